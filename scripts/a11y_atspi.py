"""Reads phoneprov's window through AT-SPI (pyatspi) and walks it with Tab and Shift+Tab.

Run by scripts/a11y-check, which starts the app under Xvfb with the accessibility bus on.
Prints the tree's controls and containers (role, name, states, value, description), then the
focus ring, and exits 1 when a control or container has no name, a name carries a line break,
focus gets stuck, or Tab and Shift+Tab do not walk the same ring.
"""

import subprocess
import sys
import time

import pyatspi

CONTROL_ROLES = {
    pyatspi.ROLE_PUSH_BUTTON, pyatspi.ROLE_TOGGLE_BUTTON, pyatspi.ROLE_CHECK_BOX,
    pyatspi.ROLE_RADIO_BUTTON, pyatspi.ROLE_ENTRY, pyatspi.ROLE_PASSWORD_TEXT,
    pyatspi.ROLE_COMBO_BOX, pyatspi.ROLE_MENU_ITEM, pyatspi.ROLE_MENU, pyatspi.ROLE_SLIDER,
    pyatspi.ROLE_SPIN_BUTTON, pyatspi.ROLE_SPLIT_PANE, pyatspi.ROLE_TOGGLE_BUTTON,
    pyatspi.ROLE_MENU_BAR, pyatspi.ROLE_DIALOG, pyatspi.ROLE_FRAME, pyatspi.ROLE_WINDOW,
    pyatspi.ROLE_PANEL, pyatspi.ROLE_SEPARATOR,
}


def find_app(seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        desktop = pyatspi.Registry.getDesktop(0)
        for app in desktop:
            if app is not None and app.name and "phoneprov" in app.name.lower():
                if app.childCount > 0:
                    return app
        time.sleep(0.5)
    sys.exit("a11y-check: no phoneprov application on the accessibility bus")


def walk(node):
    yield node
    for child in node:
        if child is not None:
            yield from walk(child)


def describe(node):
    states = node.getState()
    words = [
        name for state, name in [
            (pyatspi.STATE_FOCUSED, "focused"), (pyatspi.STATE_FOCUSABLE, "focusable"),
            (pyatspi.STATE_EXPANDABLE, "expandable"), (pyatspi.STATE_EXPANDED, "expanded"),
            (pyatspi.STATE_CHECKED, "checked"), (pyatspi.STATE_PRESSED, "pressed"),
            (pyatspi.STATE_MODAL, "modal"),
        ] if states.contains(state)
    ]
    value = ""
    try:
        text = node.queryText()
        value = text.getText(0, text.characterCount)
    except NotImplementedError:
        pass
    return node.getRoleName(), node.name, words, value, node.description


def focused(app):
    for node in walk(app):
        if node.getState().contains(pyatspi.STATE_FOCUSED):
            return node
    return None


def key(keys):
    subprocess.run(["xdotool", "key", keys], check=True)
    time.sleep(0.3)


def ring(app, keys, limit=200):
    stops = []
    for _ in range(limit):
        key(keys)
        now = focused(app)
        name = ("nothing", "") if now is None else (now.getRoleName(), now.name)
        if stops and name == stops[0]:
            return stops
        if stops and name == stops[-1]:
            sys.exit(f"a11y-check: focus stuck on {name} ({keys})")
        stops.append(name)
    sys.exit(f"a11y-check: focus never wrapped ({keys})")


def main():
    app = find_app()
    time.sleep(3)  # the demo phone is read; let the window settle
    # No window manager: give the window the keyboard.
    window = subprocess.run(["xdotool", "search", "--name", "^phoneprov$"],
                            check=True, capture_output=True, text=True).stdout.split()[0]
    subprocess.run(["xdotool", "windowfocus", "--sync", window], check=True)
    problems = []
    for node in walk(app):
        role, name, states, value, description = describe(node)
        if node.getRole() in CONTROL_ROLES:
            print(f"{role:14} {name!r} {states} value={value!r} description={description[:60]!r}")
            if not name.strip():
                problems.append(f"a {role} has no name")
            if "\n" in name:
                problems.append(f"{role} {name!r} has a line break")
    forward = ring(app, "Tab")
    print(f"\nTab ring: {len(forward)} stops")
    for role, name in forward:
        print(f"  {role:14} {name}")
    backward = ring(app, "shift+Tab")
    if sorted(map(str, backward)) != sorted(map(str, forward)):
        problems.append("Shift+Tab reaches other controls than Tab")
    print(f"Shift+Tab ring: {len(backward)} stops")
    for problem in problems:
        print(f"PROBLEM: {problem}")
    sys.exit(1 if problems else 0)


main()

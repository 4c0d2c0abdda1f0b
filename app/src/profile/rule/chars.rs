//! Scanning a rule's characters: a character outside quotes and brackets, the bracket that
//! closes another, spaces.

/// The first `target` in `chars[from..to]` outside quotes, parentheses and brackets.
pub(super) fn find_outside(chars: &[char], from: usize, to: usize, target: char) -> Option<usize> {
    let mut depth = 0i32;
    let mut quoted = false;
    for (i, &c) in chars.iter().enumerate().take(to).skip(from) {
        match c {
            '"' => quoted = !quoted,
            _ if quoted => {}
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            _ if c == target && depth <= 0 => return Some(i),
            _ => {}
        }
    }
    None
}

/// Index of the bracket closing the one at `open`, respecting quotes and nesting.
pub(super) fn closing(chars: &[char], open: usize, to: usize) -> Option<usize> {
    let (opening, closing) = match chars[open] {
        '(' => ('(', ')'),
        _ => ('[', ']'),
    };
    let mut depth = 0;
    let mut quoted = false;
    for (i, &c) in chars.iter().enumerate().take(to).skip(open) {
        if c == '"' {
            quoted = !quoted;
        } else if !quoted && c == opening {
            depth += 1;
        } else if !quoted && c == closing {
            depth -= 1;
            if depth == 0 {
                return Some(i);
            }
        }
    }
    None
}

pub(super) fn skip_space(chars: &[char], mut i: usize, to: usize) -> usize {
    while i < to && chars[i].is_whitespace() {
        i += 1;
    }
    i
}

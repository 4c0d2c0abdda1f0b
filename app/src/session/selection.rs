//! Which phones of the list are selected: one (the form edits that phone) or many (the form
//! edits one change set for all of them). Click, Ctrl-click, Shift-click and *Select all
//! shown* follow the list as the filter shows it. The phone the form and the resync status
//! follow stays [`PhoneList::selected`]; this adds the others.

use std::collections::BTreeSet;

use super::phones::{PhoneId, PhoneList};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    ids: BTreeSet<PhoneId>,
    /// Where a Shift-click range starts: the last phone clicked or toggled.
    anchor: Option<PhoneId>,
}

/// How the technician changed the selection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SelectionChange {
    /// A plain click or ↑/↓: this phone alone.
    Only(PhoneId),
    /// Ctrl-click or Ctrl+Space: add or take away this phone.
    Toggle(PhoneId),
    /// Shift-click or Shift+↑/↓: every shown phone from the anchor to this one.
    ExtendTo(PhoneId),
    /// *Select all shown*: every phone the filter lets through.
    AllShown,
}

impl Selection {
    /// Applies `change` to the selection and to `list.selected` (the phone the form follows:
    /// the one clicked, or another selected one when it was taken away).
    pub fn apply(&mut self, change: SelectionChange, list: &mut PhoneList) {
        self.retain_existing(list);
        if self.ids.is_empty()
            && let Some(current) = list.selected
        {
            self.ids.insert(current);
        }
        let shown: Vec<PhoneId> = list
            .visible_indices()
            .into_iter()
            .map(|i| list.entries[i].id)
            .collect();
        match change {
            SelectionChange::Only(id) => {
                self.ids = BTreeSet::from([id]);
                self.anchor = Some(id);
                list.selected = Some(id);
            }
            SelectionChange::Toggle(id) => {
                if !self.ids.remove(&id) {
                    self.ids.insert(id);
                    list.selected = Some(id);
                } else if list.selected == Some(id) {
                    list.selected = self.first_in(list);
                }
                self.anchor = Some(id);
            }
            SelectionChange::ExtendTo(id) => {
                let anchor = self.anchor.or(list.selected).unwrap_or(id);
                let at = |target: PhoneId| shown.iter().position(|&s| s == target);
                match (at(anchor), at(id)) {
                    (Some(a), Some(b)) => {
                        let (from, to) = (a.min(b), a.max(b));
                        self.ids = shown[from..=to].iter().copied().collect();
                    }
                    _ => self.ids = BTreeSet::from([id]),
                }
                self.anchor = Some(anchor);
                list.selected = Some(id);
            }
            SelectionChange::AllShown => {
                self.ids = shown.iter().copied().collect();
                if !list.selected.is_some_and(|s| self.ids.contains(&s)) {
                    list.selected = shown.first().copied();
                }
            }
        }
    }

    /// Forgets phones that left the list, and follows a single selection made elsewhere
    /// (a phone added by address is selected alone).
    pub fn retain_existing(&mut self, list: &PhoneList) {
        self.ids.retain(|id| list.get(*id).is_some());
        match list.selected {
            Some(selected) if !self.ids.contains(&selected) => {
                self.ids = BTreeSet::from([selected]);
            }
            None => self.ids.clear(),
            Some(_) => {}
        }
    }

    pub fn contains(&self, id: PhoneId) -> bool {
        self.ids.contains(&id)
    }

    /// More than one phone: the form edits a change set for all of them.
    pub fn is_many(&self) -> bool {
        self.ids.len() > 1
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The selected phones in list order.
    pub fn ids_in(&self, list: &PhoneList) -> Vec<PhoneId> {
        list.entries
            .iter()
            .map(|e| e.id)
            .filter(|id| self.ids.contains(id))
            .collect()
    }

    fn first_in(&self, list: &PhoneList) -> Option<PhoneId> {
        self.ids_in(list).first().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::PhoneAddress;

    fn list_of(n: usize) -> (PhoneList, Vec<PhoneId>) {
        let mut list = PhoneList::default();
        let ids = (0..n)
            .map(|i| {
                let id = list
                    .add_manual(PhoneAddress::parse(&format!("10.0.0.{}", i + 1)).unwrap())
                    .id();
                list.rename(id, &format!("Desk {i}"));
                id
            })
            .collect();
        (list, ids)
    }

    #[test]
    fn ctrl_click_adds_and_removes_and_the_form_follows_a_selected_phone() {
        let (mut list, ids) = list_of(4);
        let mut selection = Selection::default();
        selection.apply(SelectionChange::Only(ids[0]), &mut list);
        selection.apply(SelectionChange::Toggle(ids[2]), &mut list);
        assert_eq!(selection.ids_in(&list), vec![ids[0], ids[2]]);
        assert!(selection.is_many());
        assert_eq!(list.selected, Some(ids[2]));
        selection.apply(SelectionChange::Toggle(ids[2]), &mut list);
        assert_eq!(selection.ids_in(&list), vec![ids[0]]);
        assert_eq!(
            list.selected,
            Some(ids[0]),
            "the form moves to a phone still selected"
        );
        assert!(!selection.is_many());
    }

    #[test]
    fn shift_click_selects_the_shown_range_from_the_anchor_either_way() {
        let (mut list, ids) = list_of(6);
        let mut selection = Selection::default();
        selection.apply(SelectionChange::Only(ids[3]), &mut list);
        selection.apply(SelectionChange::ExtendTo(ids[1]), &mut list);
        assert_eq!(selection.ids_in(&list), vec![ids[1], ids[2], ids[3]]);
        // The anchor stays: a second Shift-click replaces the range.
        selection.apply(SelectionChange::ExtendTo(ids[5]), &mut list);
        assert_eq!(selection.ids_in(&list), vec![ids[3], ids[4], ids[5]]);
        // A filter hides phones: the range holds only what is shown.
        list.filter = "Desk 3".into();
        list.rename(ids[5], "Desk 3b");
        selection.apply(SelectionChange::ExtendTo(ids[5]), &mut list);
        assert_eq!(selection.ids_in(&list), vec![ids[3], ids[5]]);
    }

    #[test]
    fn select_all_shown_respects_the_filter_and_a_plain_click_goes_back_to_one() {
        let (mut list, ids) = list_of(5);
        list.rename(ids[1], "Warehouse");
        list.rename(ids[4], "Warehouse 2");
        list.filter = "warehouse".into();
        let mut selection = Selection::default();
        selection.apply(SelectionChange::AllShown, &mut list);
        assert_eq!(selection.ids_in(&list), vec![ids[1], ids[4]]);
        assert_eq!(list.selected, Some(ids[1]));
        selection.apply(SelectionChange::Only(ids[4]), &mut list);
        assert_eq!(selection.ids_in(&list), vec![ids[4]]);
    }

    #[test]
    fn removed_phones_leave_and_a_selection_made_elsewhere_is_followed() {
        let (mut list, ids) = list_of(3);
        let mut selection = Selection::default();
        selection.apply(SelectionChange::AllShown, &mut list);
        list.remove(ids[1]);
        selection.retain_existing(&list);
        assert_eq!(selection.ids_in(&list), vec![ids[0], ids[2]]);
        // "Add by address" selects the new phone alone.
        list.selected = Some(ids[2]);
        selection.retain_existing(&list);
        assert_eq!(selection.len(), 2, "still selected: nothing to follow");
        list.selected = None;
        selection.retain_existing(&list);
        assert!(selection.is_empty());
    }
}

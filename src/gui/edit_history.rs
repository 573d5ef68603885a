//! Undo and redo for a value edited in many places (the Model tab's draft): the history watches
//! the value once per frame and keeps the versions it saw, so no edit path can forget to record
//! itself.

/// Versions kept for undo at most.
const MAX_VERSIONS: usize = 100;

/// The versions of a value before and after the current one.
#[derive(Debug, Clone)]
pub struct EditHistory<T> {
    /// The value as last seen.
    seen: Option<T>,
    /// Older versions, the newest last.
    undo: Vec<T>,
    /// Versions undone, the most recently undone last.
    redo: Vec<T>,
}

impl<T> Default for EditHistory<T> {
    fn default() -> Self {
        Self { seen: None, undo: Vec::new(), redo: Vec::new() }
    }
}

impl<T: Clone + PartialEq> EditHistory<T> {
    /// Records `current` if it changed since the last call (a new edit: nothing to redo any more).
    pub fn observe(&mut self, current: &T) {
        match &self.seen {
            Some(seen) if seen == current => {}
            Some(seen) => {
                self.undo.push(seen.clone());
                if self.undo.len() > MAX_VERSIONS {
                    self.undo.remove(0);
                }
                self.redo.clear();
                self.seen = Some(current.clone());
            }
            None => self.seen = Some(current.clone()),
        }
    }

    /// Puts the previous version into `current`; `false` when there is none.
    pub fn undo(&mut self, current: &mut T) -> bool {
        self.observe(current);
        let Some(previous) = self.undo.pop() else { return false };
        self.redo.push(std::mem::replace(current, previous));
        self.seen = Some(current.clone());
        true
    }

    /// Puts the version last undone back into `current`; `false` when there is none.
    pub fn redo(&mut self, current: &mut T) -> bool {
        self.observe(current);
        let Some(next) = self.redo.pop() else { return false };
        self.undo.push(std::mem::replace(current, next));
        self.seen = Some(current.clone());
        true
    }

    /// Whether there is something to undo.
    #[must_use]
    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    /// Whether there is something to redo.
    #[must_use]
    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_undo_and_redo_in_order_and_a_new_edit_drops_the_redo() {
        let mut history = EditHistory::default();
        let mut value = 1;
        history.observe(&value);
        value = 2;
        history.observe(&value);
        value = 3;
        history.observe(&value);
        assert!(history.undo(&mut value) && value == 2);
        assert!(history.undo(&mut value) && value == 1);
        assert!(!history.undo(&mut value) && value == 1);
        assert!(history.redo(&mut value) && value == 2);
        value = 5;
        history.observe(&value);
        assert!(!history.can_redo(), "a new edit ends the redo");
        assert!(history.undo(&mut value) && value == 2);
    }
}

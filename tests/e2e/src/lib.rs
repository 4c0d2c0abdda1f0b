//! End-to-end and UI tests of phoneprov against emulated phones live in `tests/`.

//! phone-sim: emulated Cisco MPP and SPA phones, implemented from `../shared/spec`
//! independently of phoneprov.
#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

//! Sending a profile the way the user chose: post it to `/admin/config.xml`, or push it
//! (see `fetch`), falling back from push to post where an MPP phone cannot take a push.

use super::errors::ApplyError;
use super::operation::Operation;
use super::options::ViaChoice;
use crate::phone::PhoneReading;
use crate::provision::events::{EventKind, Via};

impl Operation<'_> {
    /// Sends the profile by the chosen way; returns the way that worked.
    pub async fn send(&self, reading: &PhoneReading, xml: &str) -> Result<Via, ApplyError> {
        let spa = reading.config.is_spa(&reading.identity);
        let refuses_resyncs = reading.config.refuses_resyncs();
        match self.options.via {
            ViaChoice::Post => self.send_post(xml).await,
            // Push is a resync, which the phone refuses; POST /admin/config.xml still works.
            ViaChoice::Auto if refuses_resyncs && !spa => {
                let reason = "Provision Enable is No, so the phone refuses resyncs".to_string();
                self.fall_back_to_post(reason, xml).await
            }
            ViaChoice::Push | ViaChoice::Auto if refuses_resyncs => Err(
                ApplyError::provision_disabled_for_push(self.key.clone(), spa),
            ),
            ViaChoice::Push => {
                self.send_push(&reading.identity, xml).await?;
                Ok(Via::Push)
            }
            ViaChoice::Auto => match self.send_push(&reading.identity, xml).await {
                Ok(()) => Ok(Via::Push),
                Err(error @ ApplyError::CannotReachLaptop { .. }) if !spa => {
                    self.fall_back_to_post(error.to_string(), xml).await
                }
                Err(error) => Err(error),
            },
        }
    }

    /// Push cannot work (`reason`): says so, and posts instead.
    async fn fall_back_to_post(&self, reason: String, xml: &str) -> Result<Via, ApplyError> {
        self.events.emit(EventKind::FallingBack {
            from: Via::Push,
            to: Via::Post,
            reason,
        });
        self.send_post(xml).await
    }

    async fn send_post(&self, xml: &str) -> Result<Via, ApplyError> {
        self.progress.set("while posting the profile to the phone");
        self.phone.post_config(xml).await?;
        self.progress.set("after the profile was posted");
        self.events.emit(EventKind::Sent {
            via: Via::Post,
            detail: "POST /admin/config.xml accepted".to_string(),
        });
        Ok(Via::Post)
    }
}

//! The readers of listeners: `LoadBalancerListeners` (Batfish's layout) and
//! `Listeners` (`aws elbv2 describe-listeners` output) fill one collection,
//! `load_balancer_listeners`. Shape:
//! <https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_Listener.html>.
//! (`Rules`, `aws elbv2 describe-rules` output, is read by
//! `aws_cli_elb.rs`'s `RawRule`.)

use std::path::Path;

use super::accumulate::{push_all, Accumulator, TopLevelKey};
use super::aws_cli_elb::{RawListener, RawListenerGroup};
use crate::error::ModelError;
use crate::resources::Listener;

impl Accumulator {
    /// The reader of `LoadBalancerListeners` (Batfish's layout: per load
    /// balancer, its ARN and its `Listeners`).
    pub(super) fn add_listener_groups(
        &mut self,
        path: &Path,
        kind: &TopLevelKey,
        value: &str,
        _: Option<&str>,
    ) -> Result<(), ModelError> {
        let raw: Vec<RawListenerGroup> = self.items(path, kind.key, value, kind.id_field)?;
        let mut listeners = Vec::new();
        for g in raw {
            listeners.extend(g.into_listeners(path)?);
        }
        self.push_listeners(listeners);
        Ok(())
    }

    /// The reader of `Listeners` (`aws elbv2 describe-listeners` output as
    /// it is), into the same collection as `LoadBalancerListeners`.
    pub(super) fn add_listeners(
        &mut self,
        path: &Path,
        kind: &TopLevelKey,
        value: &str,
        _: Option<&str>,
    ) -> Result<(), ModelError> {
        let raw: Vec<RawListener> = self.items(path, kind.key, value, kind.id_field)?;
        let listeners = raw
            .into_iter()
            .map(|l| l.into_model(path, None))
            .collect::<Result<Vec<_>, _>>()?;
        self.push_listeners(listeners);
        Ok(())
    }

    /// Adds listeners read under either key, their origins recorded under
    /// `LoadBalancerListeners`, the one the deduplication reads.
    fn push_listeners(&mut self, listeners: Vec<Listener>) {
        self.record_origins("LoadBalancerListeners", listeners.len());
        push_all(&mut self.snap.load_balancer_listeners, listeners);
    }
}

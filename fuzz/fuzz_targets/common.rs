//! Shared by the targets: whatever parsed must also index and explain
//! without panicking (a parsed snapshot is the engine's input).

use netpath_engine::{explain, reach, ExplainOptions, ReachOptions, ReachQuery, Topology};
use netpath_model::Snapshot;

pub fn exercise(snap: &Snapshot) {
    let topo = Topology::new(snap);
    let mut ends: Vec<String> = snap
        .instances
        .iter()
        .flatten()
        .take(3)
        .map(|i| i.instance_id.to_string())
        .collect();
    ends.extend(
        snap.network_interfaces
            .iter()
            .flatten()
            .take(3)
            .map(|e| e.network_interface_id.to_string()),
    );
    ends.extend(
        snap.db_instances
            .iter()
            .flatten()
            .take(2)
            .map(|d| d.db_instance_identifier.clone()),
    );
    ends.push("internet".into());
    for a in &ends {
        for b in &ends {
            for port in [Some(22), None] {
                let _ = explain(
                    &topo,
                    a,
                    b,
                    &ExplainOptions {
                        port,
                        ..ExplainOptions::default()
                    },
                );
            }
        }
    }
    if let Some(db) = ends.iter().find(|e| e.as_str() != "internet") {
        let _ = reach(&topo, &ReachQuery::To(db.clone()), &ReachOptions::default());
    }
    let _ = reach(&topo, &ReachQuery::Exposure, &ReachOptions::default());
}

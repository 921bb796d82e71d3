//! `netpath explain --output topology`: the VPC / peering / gateway graph of a
//! snapshot in Graphviz DOT (petgraph's writer). VPCs are boxes, internet
//! gateways ellipses; a peering edge is labelled with its id, an attachment
//! edge (dashed) with its state.

use netpath_engine::Topology;
use netpath_engine::{Edge, Node};
use petgraph::dot::{Config, Dot};

/// The topology graph of `topo` in DOT, ending with a newline. Nodes are
/// labelled `id (name)`.
pub fn dot(topo: &Topology) -> String {
    let label = |id: &str| topo.label(id).replace('"', "\\\"");
    format!(
        "{:?}",
        Dot::with_attr_getters(
            topo.graph(),
            &[Config::EdgeNoLabel, Config::NodeNoLabel],
            &|_, e| match e.weight() {
                Edge::Peering(id) => format!("label=\"{id}\""),
                Edge::Attachment(s) => format!("label=\"{s}\" style=dashed"),
            },
            &|_, (_, n)| match n {
                Node::Vpc(id) => format!("label=\"{}\" shape=box", label(id)),
                Node::InternetGateway(id) => format!("label=\"{}\" shape=ellipse", label(id)),
            },
        )
    )
}

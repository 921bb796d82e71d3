//! `netpath explain --output mermaid` and `--output dot`: the path itself,
//! as a picture. The client, each hop in order with its name, the
//! destination; the request's edges solid, the reply's dashed; the first
//! blocking hop red, hops past it grey (what the walk finds if it were
//! fixed), near misses as notes on their hop.
//!
//! Mermaid (<https://mermaid.js.org/syntax/flowchart.html>) pastes into
//! GitHub, GitLab and most incident tools; DOT is Graphviz's, written by
//! petgraph.

use std::fmt::Write;

use netpath_engine::{Decision, Explanation, Hop, PathLeg};
use petgraph::dot::{Config, Dot};
use petgraph::graph::DiGraph;

use super::word::word;

/// How a node is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Look {
    End,
    Pass,
    Block,
    Unknown,
    IfFixed,
    Note,
}

#[derive(Debug)]
struct Node {
    label: String,
    look: Look,
}

/// How an edge is drawn: the request, the reply, or a note's tie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Line {
    Request,
    Reply,
    Note,
}

/// The path as a graph: nodes in walk order, then notes.
fn path(exp: &Explanation) -> DiGraph<Node, Line> {
    let mut g = DiGraph::new();
    let end = |e: &netpath_engine::EndpointInfo| {
        let mut l = e.name.clone().unwrap_or_else(|| e.reference.clone());
        for v in [&e.instance_id, &e.eni, &e.ip].into_iter().flatten() {
            if !l.contains(v.as_str()) {
                l.push_str(&format!("\n{v}"));
            }
        }
        l
    };
    let src = g.add_node(Node {
        label: end(&exp.source),
        look: Look::End,
    });
    let dst = g.add_node(Node {
        label: end(&exp.destination),
        look: Look::End,
    });
    let first_stop = exp.first_stop();
    let mut prev = src;
    let mut reached_dst = false;
    for (i, h) in exp.hops.iter().enumerate() {
        let look = match h.decision {
            Decision::Deny | Decision::Partial if Some(i) == first_stop => Look::Block,
            Decision::Unknown if Some(i) == first_stop => Look::Unknown,
            _ if first_stop.is_some_and(|f| i > f) => Look::IfFixed,
            _ => Look::Pass,
        };
        if h.path == PathLeg::Return && !reached_dst {
            g.add_edge(prev, dst, Line::Request);
            prev = dst;
            reached_dst = true;
        }
        let n = g.add_node(Node {
            label: hop_label(h),
            look,
        });
        let line = if h.path == PathLeg::Return {
            Line::Reply
        } else {
            Line::Request
        };
        g.add_edge(prev, n, line);
        prev = n;
        if let Some(near) = &h.near_miss {
            let note = g.add_node(Node {
                label: format!("near miss: {near}"),
                look: Look::Note,
            });
            g.add_edge(n, note, Line::Note);
        }
    }
    if reached_dst {
        g.add_edge(prev, src, Line::Reply);
    } else {
        g.add_edge(prev, dst, Line::Request);
    }
    g
}

/// `kind direction`, the component with its name, and the decision.
fn hop_label(h: &Hop) -> String {
    let dir = h
        .direction
        .as_ref()
        .map(|d| format!(" {}", word(d)))
        .unwrap_or_default();
    let name = h
        .name
        .as_ref()
        .map(|n| format!(" ({n})"))
        .unwrap_or_default();
    format!(
        "{}{dir}\n{}{name}\n{}",
        word(&h.kind),
        h.component,
        word(&h.decision)
    )
}

/// The path in Mermaid flowchart syntax, ending with a newline.
pub fn mermaid(exp: &Explanation) -> String {
    let g = path(exp);
    let mut out = String::from("flowchart LR\n");
    for i in g.node_indices() {
        let n = &g[i];
        // Mermaid labels: quotes as entities, line breaks as <br/>.
        let label = n.label.replace('"', "#quot;").replace('\n', "<br/>");
        let shape = match n.look {
            Look::End => format!("([\"{label}\"])"),
            Look::Note => format!(">\"{label}\"]"),
            _ => format!("[\"{label}\"]"),
        };
        let _ = writeln!(out, "  n{}{shape}", i.index());
    }
    for e in g.edge_indices() {
        let (a, b) = g.edge_endpoints(e).expect("edge");
        let arrow = match g[e] {
            Line::Request => "-->",
            Line::Reply => "-.->",
            Line::Note => "-.-",
        };
        let _ = writeln!(out, "  n{} {arrow} n{}", a.index(), b.index());
    }
    let _ = writeln!(
        out,
        "  classDef block fill:#fdd,stroke:#c00,stroke-width:2px\n  classDef unknown fill:#ffd,stroke:#b90\n  classDef iffixed fill:#eee,stroke:#999,color:#666\n  classDef note fill:#fff,stroke:#999,stroke-dasharray:3"
    );
    for (look, class) in [
        (Look::Block, "block"),
        (Look::Unknown, "unknown"),
        (Look::IfFixed, "iffixed"),
        (Look::Note, "note"),
    ] {
        let ids: Vec<String> = g
            .node_indices()
            .filter(|i| g[*i].look == look)
            .map(|i| format!("n{}", i.index()))
            .collect();
        if !ids.is_empty() {
            let _ = writeln!(out, "  class {} {class}", ids.join(","));
        }
    }
    out
}

/// The path in Graphviz DOT, ending with a newline.
pub fn dot_path(exp: &Explanation) -> String {
    let g = path(exp);
    let quote = |s: &str| {
        s.replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('\n', "\\n")
    };
    let text = format!(
        "{:?}",
        Dot::with_attr_getters(
            &g,
            &[Config::EdgeNoLabel, Config::NodeNoLabel],
            &|_, e| match e.weight() {
                Line::Request => String::new(),
                Line::Reply => "style=dashed".into(),
                Line::Note => "style=dotted arrowhead=none".into(),
            },
            &|_, (_, n)| {
                let style = match n.look {
                    Look::End => "shape=oval style=bold",
                    Look::Pass => "shape=box",
                    Look::Block => {
                        "shape=box style=filled fillcolor=\"#ffdddd\" color=red penwidth=2"
                    }
                    Look::Unknown => "shape=box style=filled fillcolor=\"#ffffdd\" color=orange",
                    Look::IfFixed => "shape=box style=dashed color=grey fontcolor=grey40",
                    Look::Note => "shape=note color=grey",
                };
                format!("label=\"{}\" {style}", quote(&n.label))
            },
        )
    );
    text.replacen("digraph {", "digraph path {\n    rankdir=LR", 1)
}

/// `netpath reach --output mermaid`: the groups that reach the target (or
/// that the source reaches) as nodes with their members and security
/// groups, each tied to the target by an edge labelled with its ports and
/// the rules on the way; partial answers yellow, unknown ones grey. Ends
/// with a newline.
pub fn reach_mermaid(r: &netpath_engine::Reach) -> String {
    let esc = |s: &str| s.replace('"', "#quot;");
    let mut out = String::from("flowchart LR\n");
    let target = r
        .target
        .as_ref()
        .map_or_else(|| "the internet".to_string(), super::explain::endpoint_name);
    let _ = writeln!(out, "  t([\"{}\"])", esc(&target));
    let mut partial = Vec::new();
    let mut unknown = Vec::new();
    for (i, e) in r.entries.iter().enumerate() {
        let mut label = esc(&e.summary);
        if !e.security_groups.is_empty() {
            label.push_str(&format!(
                "<br/>groups: {}",
                esc(&e.security_groups.join(", "))
            ));
        }
        let _ = writeln!(out, "  g{i}[\"{label}\"]");
        let ports: Vec<String> = e
            .access
            .iter()
            .map(|a| format!("{} {} {}", a.protocol, a.ports, a.verdict.as_str()))
            .collect();
        let edge = format!("|\"{}\"|", esc(&ports.join(", ")));
        let arrow = if r.query == "from" {
            format!("  t -->{edge} g{i}")
        } else {
            format!("  g{i} -->{edge} t")
        };
        let _ = writeln!(out, "{arrow}");
        if e.access
            .iter()
            .any(|a| a.verdict == netpath_engine::Verdict::Partial)
        {
            partial.push(format!("g{i}"));
        } else if e
            .access
            .iter()
            .all(|a| a.verdict == netpath_engine::Verdict::Unknown)
        {
            unknown.push(format!("g{i}"));
        }
    }
    let _ = writeln!(
        out,
        "  classDef partial fill:#ffd,stroke:#b90\n  classDef unknown fill:#eee,stroke:#999,color:#666"
    );
    if !partial.is_empty() {
        let _ = writeln!(out, "  class {} partial", partial.join(","));
    }
    if !unknown.is_empty() {
        let _ = writeln!(out, "  class {} unknown", unknown.join(","));
    }
    out
}

//! The state of the ends: an instance must be running, a DB instance
//! available and listening on the port, to send or answer.

use super::{hop, Walker};
use crate::answer::{Decision, ExplanationCode, HopKind, PathLeg};
use crate::resolve::{Endpoint, Placement};

impl<'a> Walker<'_, 'a> {
    pub(super) fn source_state(&mut self, src: &Endpoint<'a>, sp: &Placement<'a>) {
        if let Some(db) = src.db {
            self.db_state(PathLeg::Forward, db, false);
            return;
        }
        if let Some(inst) = sp
            .eni
            .and_then(|e| self.topo.instance_of(e))
            .or(src.instance)
        {
            self.instance_state(PathLeg::Forward, inst);
        } else if let Some(eni) = sp.eni {
            self.interface_state(eni, true);
        }
    }

    /// An ENI that is no instance's: a detached one neither sends nor
    /// answers (blocked, like a stopped instance); one owned by an AWS
    /// service is not a host, so what it answers, or sends of its own, is
    /// unknown until that service is modelled.
    /// Sources: <https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-eni.html>,
    /// <https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/requester-managed-eni.html>.
    fn interface_state(&mut self, eni: &netpath_model::NetworkInterface, sends: bool) {
        let id = &eni.network_interface_id;
        // A transit gateway attachment's interface forwards traffic between
        // the VPC and the gateway and terminates no connection
        // (<https://docs.aws.amazon.com/vpc/latest/tgw/tgw-vpc-attachments.html>).
        if !sends && eni.interface_type.as_deref() == Some("transit_gateway") {
            let h = hop(
                PathLeg::Forward,
                HopKind::NetworkInterface,
                id,
                Decision::Deny,
                format!("{id} is a transit gateway attachment's interface: it forwards traffic between the VPC and the transit gateway and answers no connection of its own"),
            );
            self.push(h, ExplanationCode::NetpathBlocked);
            return;
        }
        if let Some(e) = self
            .topo
            .endpoints
            .of_network_interface(id)
            .filter(|_| !sends)
        {
            return self.interface_endpoint(e);
        }
        if let Some(service) = eni.managed_service() {
            let mut h = hop(
                PathLeg::Forward,
                HopKind::NetworkInterface,
                id,
                Decision::Unknown,
                if sends {
                    format!("{id} belongs to {service}: it is not a host and sends only on the service's behalf, which netpath does not model yet")
                } else {
                    format!("{id} belongs to {service}: it is not a host listening on every port, and netpath does not model what that service answers yet")
                },
            );
            h.missing
                .push(format!("how {service} handles the traffic (not modelled)"));
            self.hops.push(h);
        } else if eni.is_detached() {
            let h = hop(
                PathLeg::Forward,
                HopKind::NetworkInterface,
                id,
                Decision::Deny,
                format!("{id} is detached (status available): nothing sends or answers on it"),
            );
            self.push(h, ExplanationCode::BadState);
        }
    }

    /// An instance must be `running` to send or answer.
    /// Source: <https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-instance-lifecycle.html>.
    pub(super) fn instance_state(&mut self, path: PathLeg, inst: &netpath_model::Instance) {
        if let Some(m) = self.topo.in_doubt(&[&inst.instance_id]) {
            return self.unknown(path, HopKind::Instance, &inst.instance_id, m);
        }
        let running = inst.is_running();
        let h = hop(
            path,
            HopKind::Instance,
            &inst.instance_id,
            if running {
                Decision::Allow
            } else {
                Decision::Deny
            },
            if running {
                format!("{} is running", inst.instance_id)
            } else {
                format!(
                    "{} is {}, not running: nothing sends or answers on its interfaces",
                    inst.instance_id, inst.state
                )
            },
        );
        self.push(h, ExplanationCode::BadState);
    }

    /// A DB answers only when `available`, and only on its endpoint port.
    /// Source: <https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/accessing-monitoring.html>
    /// (DB instance status) and `Endpoint.Port` of `DescribeDBInstances`.
    pub(super) fn db_state(
        &mut self,
        path: PathLeg,
        db: &netpath_model::DbInstance,
        check_port: bool,
    ) {
        let id = &db.db_instance_identifier;
        if let Some(m) = self.topo.in_doubt(&[id]) {
            return self.unknown(path, HopKind::DbInstance, id, m);
        }
        if !db.is_available() {
            let h = hop(
                path,
                HopKind::DbInstance,
                id,
                Decision::Deny,
                format!(
                    "DB instance {id} is {}, not available: nothing answers",
                    db.db_instance_status
                ),
            );
            self.push(h, ExplanationCode::BadState);
            return;
        }
        if check_port && !self.proto().has_ports() {
            let mut h = hop(
                path,
                HopKind::DbInstance,
                id,
                Decision::Unknown,
                format!(
                    "DB instance {id} is available; whether RDS answers {} is not documented",
                    self.proto()
                ),
            );
            h.missing.push(format!(
                "whether RDS answers {} (not documented)",
                self.proto()
            ));
            self.hops.push(h);
            return;
        }
        if check_port {
            if let Some(ep) = &db.endpoint {
                if ep.port != self.flow.port {
                    let h = hop(
                        path,
                        HopKind::DbInstance,
                        id,
                        Decision::Deny,
                        format!(
                            "{id} listens on port {}, not {}: the connection reaches the host and is refused",
                            ep.port, self.flow.port
                        ),
                    );
                    let mut h = h;
                    h.near_miss = Some(format!(
                        "{id} listens on port {} (its endpoint port), not {}",
                        ep.port, self.flow.port
                    ));
                    self.push(h, ExplanationCode::NetpathNoListener);
                    return;
                }
            }
        }
        let h = hop(
            path,
            HopKind::DbInstance,
            id,
            Decision::Allow,
            format!("DB instance {id} is available on port {}", self.flow.port),
        );
        self.hops.push(h);
    }

    /// The destination itself; `peer` is the client's address as the
    /// destination sees it (for the host's own firewall, `host.rs`).
    pub(super) fn destination_state(
        &mut self,
        ap: &Placement<'a>,
        dst: &Endpoint<'a>,
        peer: &crate::addr::AddrSet,
    ) {
        if let Some(db) = dst.db {
            self.db_state(PathLeg::Forward, db, true);
        } else if let Some(inst) = ap.eni.and_then(|e| self.topo.instance_of(e)) {
            self.instance_state(PathLeg::Forward, inst);
            if inst.is_running() && self.topo.in_doubt(&[&inst.instance_id]).is_none() {
                self.host_arrival(inst, &ap.addr, peer);
            }
        } else if let Some(lb) = ap
            .eni
            .and_then(|e| self.topo.load_balancers.of_network_interface(e))
        {
            self.load_balancer(lb, ap, peer);
        } else if let Some(eni) = ap.eni {
            match self.topo.db_of_network_interface(eni) {
                Some(db) => self.db_state(PathLeg::Forward, db, true),
                None => self.interface_state(eni, false),
            }
        }
    }
}

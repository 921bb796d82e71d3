//! Human names beside AWS ids: a security group's `GroupName`, and the
//! `Name` tag of instances, ENIs, subnets, VPCs, route tables, network ACLs,
//! gateways and peering connections.
//!
//! The console shows the same: `GroupName` is the group's own name
//! (<https://docs.aws.amazon.com/vpc/latest/userguide/security-groups.html>),
//! and for the other resources the `Name` tag is what the console lists in
//! its Name column
//! (<https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/Using_Tags.html>).

use crate::topology::Topology;

/// The id prefixes [`Topology::with_names`] decorates.
const PREFIXES: [&str; 10] = [
    "sg-", "i-", "eni-", "subnet-", "vpc-", "rtb-", "acl-", "igw-", "nat-", "pcx-",
];

impl<'a> Topology<'a> {
    /// The human name of the resource `id` (e.g. `sg-0a…d001`): a security
    /// group's `GroupName`; an ENI's `Name` tag, else its instance's; the
    /// `Name` tag of an instance, subnet, VPC, route table, network ACL,
    /// internet or NAT gateway, or peering connection. `None` for an id the
    /// snapshot does not hold, a resource with no name, or a name equal to
    /// the id.
    pub fn name_of(&self, id: &str) -> Option<&'a str> {
        let tag = |t: &'a netpath_model::Tags| t.get("Name");
        let name = match id.split_once('-').map(|(p, _)| p) {
            Some("sg") => self.security_group(id).map(|g| g.group_name.as_str()),
            Some("i") => self.instance(id).and_then(|i| tag(&i.tags)),
            Some("eni") => self
                .eni(id)
                .and_then(|e| tag(&e.tags).or_else(|| self.name_of_eni(e))),
            Some("subnet") => self.subnet(id).and_then(|s| tag(&s.tags)),
            Some("vpc") => self.vpc(id).and_then(|v| tag(&v.tags)),
            Some("rtb") => self.route_table(id).and_then(|r| tag(&r.tags)),
            Some("acl") => self.network_acl(id).and_then(|a| tag(&a.tags)),
            Some("igw") => self.internet_gateway(id).and_then(|g| tag(&g.tags)),
            Some("nat") => self.nat_gateway(id).and_then(|g| tag(&g.tags)),
            Some("pcx") => self.peering(id).and_then(|p| tag(&p.tags)),
            _ => None,
        };
        name.map(str::trim).filter(|n| !n.is_empty() && *n != id)
    }

    /// `id (name)` when [`Topology::name_of`] knows a name, else `id`.
    pub fn label(&self, id: &str) -> String {
        match self.name_of(id) {
            Some(n) => format!("{id} ({n})"),
            None => id.to_string(),
        }
    }

    /// `text` with every AWS id it mentions (`sg-…`, `i-…`, `eni-…`,
    /// `subnet-…`, `vpc-…`, `rtb-…`, `acl-…`, `igw-…`, `nat-…`, `pcx-…`)
    /// followed by its name in parentheses, as [`Topology::label`] writes
    /// it. An id already followed by its name in parentheses is left as it
    /// is, so the function is idempotent.
    pub fn with_names(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len() + 16);
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < text.len() {
            let at_word_start =
                i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'-');
            let prefix = at_word_start
                .then(|| PREFIXES.iter().find(|p| text[i..].starts_with(**p)))
                .flatten();
            let Some(prefix) = prefix else {
                let c = text[i..].chars().next().unwrap_or(' ');
                out.push(c);
                i += c.len_utf8();
                continue;
            };
            let end = text[i + prefix.len()..]
                .find(|c: char| !c.is_ascii_hexdigit())
                .map_or(text.len(), |n| i + prefix.len() + n);
            let id = &text[i..end];
            out.push_str(id);
            let whole =
                end == text.len() || !(bytes[end].is_ascii_alphanumeric() || bytes[end] == b'-');
            if end > i + prefix.len() && whole {
                if let Some(n) = self.name_of(id) {
                    let named = format!(" ({n})");
                    if !text[end..].starts_with(&named) {
                        out.push_str(&named);
                    }
                }
            }
            i = end;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use crate::test_fixtures::load;
    use crate::topology::Topology;

    #[test]
    fn ids_get_their_names_once() {
        let s = load("war-story-sg-drift");
        let topo = Topology::new(&s);
        assert_eq!(topo.name_of("sg-0a00000000000d001"), Some("sg-db"));
        assert_eq!(topo.name_of("sg-ffffffffffffffff"), None);
        let text = "no inbound rule of sg-0a00000000000d001 allows tcp 5432; sg-0a00000000000a002 (sg-app-v2) is carried";
        let named = topo.with_names(text);
        assert_eq!(
            named,
            "no inbound rule of sg-0a00000000000d001 (sg-db) allows tcp 5432; sg-0a00000000000a002 (sg-app-v2) is carried"
        );
        assert_eq!(topo.with_names(&named), named);
        // Not an id: a word that merely contains the prefix.
        assert_eq!(
            topo.with_names("mysg-0a00000000000d001"),
            "mysg-0a00000000000d001"
        );
    }
}

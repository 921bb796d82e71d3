//! Helpers of the network-building tests (`hybrid.rs`, `services.rs`):
//! test credentials, a one-subnet VPC, collecting a whole region from moto,
//! and asking `explain`.

use std::sync::Arc;
use std::time::Duration;

use aws_sdk_ec2::types as ec2t;
use netpath_collect::{collect, CollectOptions};
use netpath_engine::{explain, ExplainOptions, Topology};
use netpath_model::Snapshot;

/// Test credentials, and no shared config or instance metadata.
pub fn with_test_env() {
    std::env::set_var("AWS_ACCESS_KEY_ID", "testing");
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing");
    std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
    std::env::set_var("AWS_CONFIG_FILE", "/nonexistent/netpath-test-config");
    std::env::set_var(
        "AWS_SHARED_CREDENTIALS_FILE",
        "/nonexistent/netpath-test-credentials",
    );
}

/// (VPC, subnet, main route table) of a spoke.
pub type Spoke = (String, String, String);

/// A VPC with one subnet in us-east-1a; returns (vpc, subnet, main route table).
pub async fn spoke(ec2: &aws_sdk_ec2::Client, cidr: &str, subnet: &str) -> Spoke {
    let vpc = ec2
        .create_vpc()
        .cidr_block(cidr)
        .send()
        .await
        .unwrap()
        .vpc
        .unwrap()
        .vpc_id
        .unwrap();
    let sub = ec2
        .create_subnet()
        .vpc_id(&vpc)
        .cidr_block(subnet)
        .availability_zone("us-east-1a")
        .send()
        .await
        .unwrap()
        .subnet
        .unwrap()
        .subnet_id
        .unwrap();
    let rtb = ec2
        .describe_route_tables()
        .filters(ec2t::Filter::builder().name("vpc-id").values(&vpc).build())
        .send()
        .await
        .unwrap()
        .route_tables()[0]
        .route_table_id()
        .unwrap()
        .to_string();
    (vpc, sub, rtb)
}

/// One more subnet of `vpc`, in us-east-1b; returns its id.
pub async fn subnet_b(ec2: &aws_sdk_ec2::Client, vpc: &str, cidr: &str) -> String {
    ec2.create_subnet()
        .vpc_id(vpc)
        .cidr_block(cidr)
        .availability_zone("us-east-1b")
        .send()
        .await
        .unwrap()
        .subnet
        .unwrap()
        .subnet_id
        .unwrap()
}

/// Collects us-east-1 from `url` (through the test proxy) with no gaps, and reads the snapshot back
/// from its JSON (as `netpath snapshot -o` then `--snapshot` would).
pub async fn collect_all(url: &str) -> Snapshot {
    let (snap, _) = collect_with(url, super::Faults::default()).await;
    assert!(snap.metadata.gaps.is_empty(), "{:?}", snap.metadata.gaps);
    snap
}

/// As [`collect_all`], through the test proxy doing `faults` (moto serves
/// no Direct Connect gateways: the proxy answers those calls), gaps
/// allowed; with the proxy's request log (`service:Action` lines).
pub async fn collect_with(url: &str, faults: super::Faults) -> (Snapshot, Vec<String>) {
    let p = super::proxy(url, faults);
    let opts = CollectOptions {
        regions: vec!["us-east-1".into()],
        endpoint_url: Some(p.url.clone()),
        initial_backoff: Duration::from_millis(20),
        call_timeout: Duration::from_secs(20),
        resolve_dns: false,
        ..CollectOptions::default()
    };
    let snap = collect(&opts, Arc::new(|_| {})).await.unwrap();
    let snap = Snapshot::from_json_bytes(
        std::path::Path::new("collected.json"),
        snap.to_json().as_bytes(),
    )
    .expect("the snapshot round-trips");
    (snap, p.actions())
}

pub fn ask(snap: &Snapshot, from: &str, to: &str, port: u16) -> netpath_engine::Explanation {
    explain(
        &Topology::new(snap),
        from,
        to,
        &ExplainOptions {
            port: Some(port),
            ..Default::default()
        },
    )
    .unwrap()
}

/// An internet gateway attached to `vpc`; returns its id.
pub async fn internet_gateway(ec2: &aws_sdk_ec2::Client, vpc: &str) -> String {
    let igw = ec2
        .create_internet_gateway()
        .send()
        .await
        .unwrap()
        .internet_gateway
        .unwrap()
        .internet_gateway_id
        .unwrap();
    ec2.attach_internet_gateway()
        .internet_gateway_id(&igw)
        .vpc_id(vpc)
        .send()
        .await
        .unwrap();
    igw
}

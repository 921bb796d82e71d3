//! Test support: a real AWS API emulator (moto's server mode), a
//! fault-injecting proxy in front of it, and a world built in it with the
//! SDK's own create calls.
//!
//! moto is installed into a virtualenv under Cargo's target folder the first
//! time it is needed (`python3 -m venv`, then `pip install moto[server]`), so
//! `cargo test --workspace` works on a fresh machine with Python 3 and access
//! to PyPI. `NETPATH_PYTHON` names another interpreter; `NETPATH_MOTO_VENV`
//! another virtualenv folder. Every server a test starts is killed when the
//! test ends (the guards' `Drop`).
#![allow(dead_code)]

pub mod net;

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use aws_config::BehaviorVersion;
use aws_sdk_ec2::config::Credentials;
use aws_sdk_ec2::types as ec2t;

/// The moto version the tests pin.
pub const MOTO: &str = "moto[server]==5.2.5";

fn venv_dir() -> PathBuf {
    std::env::var_os("NETPATH_MOTO_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_TARGET_TMPDIR")).join("../moto-venv"))
}

/// The virtualenv with moto, created and filled on first use.
pub fn venv() -> &'static Path {
    static VENV: OnceLock<PathBuf> = OnceLock::new();
    VENV.get_or_init(|| {
        let dir = venv_dir();
        let ready = dir.join(".netpath-ready");
        if ready.is_file() {
            return dir;
        }
        let python = std::env::var("NETPATH_PYTHON").unwrap_or_else(|_| "python3".into());
        eprintln!("installing {MOTO} into {} (first run only)", dir.display());
        let ok = Command::new(&python)
            .args(["-m", "venv"])
            .arg(&dir)
            .status()
            .unwrap_or_else(|e| panic!("cannot run {python} to create a virtualenv for moto: {e}; install Python 3 or set NETPATH_PYTHON"))
            .success();
        assert!(ok, "`{python} -m venv {}` failed", dir.display());
        let ok = Command::new(dir.join("bin/pip"))
            .args(["install", "--quiet", "--disable-pip-version-check", MOTO])
            .status()
            .expect("cannot run pip in the moto virtualenv")
            .success();
        assert!(ok, "pip install {MOTO} failed (is PyPI reachable?)");
        std::fs::write(&ready, MOTO).unwrap();
        dir
    })
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_for(port: u16, what: &str, child: &mut Child) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(60) {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("{what} exited with {status} before listening");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("{what} did not listen on port {port} within 60 s");
}

/// A running `moto_server`, killed on drop.
pub struct Moto {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts moto on a free port and waits until it answers.
pub fn moto() -> Moto {
    let venv = venv();
    let port = free_port();
    let mut child = Command::new(venv.join("bin/moto_server"))
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("cannot start moto_server");
    wait_for(port, "moto_server", &mut child);
    Moto {
        child,
        url: format!("http://127.0.0.1:{port}"),
    }
}

/// A running fault-injecting proxy, killed on drop.
pub struct Proxy {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// One `service:Action` line per request received.
    pub log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What the proxy does besides forwarding.
#[derive(Default, Clone)]
pub struct Faults {
    /// Answer throttling / 5xx to the first N requests.
    pub first: usize,
    /// Answer an authorisation error to every call of this action.
    pub deny: Option<String>,
    /// Page EC2 list results by `MaxResults` (moto does not).
    pub paginate: bool,
    /// Deny `sts:AssumeRole` into this account id (moto does not enforce
    /// trust policies).
    pub deny_assume: Option<String>,
    /// Answer `AuthFailure` to every call signed for this region, as an
    /// opt-in region that is not enabled does.
    pub deny_region: Option<String>,
    /// The Direct Connect gateways and associations the proxy answers
    /// (`{"gateways": [...], "associations": [...]}`; none without).
    pub direct_connect: Option<serde_json::Value>,
}

/// Starts the proxy in front of `upstream`.
pub fn proxy(upstream: &str, faults: Faults) -> Proxy {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("requests.log");
    std::fs::write(&log, "").unwrap();
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../collect/tests/support/fault_proxy.py");
    let mut cmd = Command::new(venv().join("bin/python"));
    cmd.arg(script)
        .args(["--upstream", upstream, "--log"])
        .arg(&log)
        .args(["--faults", &faults.first.to_string()]);
    if let Some(d) = &faults.deny {
        cmd.args(["--deny", d]);
    }
    if faults.paginate {
        cmd.arg("--paginate");
    }
    if let Some(a) = &faults.deny_assume {
        cmd.args(["--deny-assume", a]);
    }
    if let Some(r) = &faults.deny_region {
        cmd.args(["--deny-region", r]);
    }
    if let Some(dx) = &faults.direct_connect {
        let file = dir.path().join("dx.json");
        std::fs::write(&file, dx.to_string()).unwrap();
        cmd.arg("--dx").arg(file);
    }
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("cannot start the fault proxy");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port: u16 = line.trim().parse().expect("the proxy prints its port");
    wait_for(port, "fault proxy", &mut child);
    Proxy {
        child,
        url: format!("http://127.0.0.1:{port}"),
        log,
        _dir: dir,
    }
}

impl Proxy {
    /// Every `service:Action` received so far.
    pub fn actions(&self) -> Vec<String> {
        std::fs::read_to_string(&self.log)
            .unwrap()
            .lines()
            .map(String::from)
            .collect()
    }

    /// How many requests named `action` (`service:Action`, as in
    /// [`Proxy::actions`]) were sent so far.
    pub fn count(&self, action: &str) -> usize {
        self.actions().iter().filter(|a| *a == action).count()
    }
}

/// Dummy credentials and the test region, for the emulator.
pub fn env_vars(endpoint: &str, home: &Path) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ACCESS_KEY_ID", "testing".into()),
        ("AWS_SECRET_ACCESS_KEY", "testing".into()),
        ("AWS_REGION", "us-east-1".into()),
        ("AWS_ENDPOINT_URL", endpoint.into()),
        ("AWS_CONFIG_FILE", home.join("config").display().to_string()),
        (
            "AWS_SHARED_CREDENTIALS_FILE",
            home.join("credentials").display().to_string(),
        ),
        ("AWS_EC2_METADATA_DISABLED", "true".into()),
        ("HOME", home.display().to_string()),
        ("XDG_CACHE_HOME", home.join("cache").display().to_string()),
    ]
}

pub async fn config(endpoint: &str) -> aws_config::SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new("testing", "testing", None, None, "tests"))
        .load()
        .await
}

/// Ids of the world [`build_world`] makes.
#[derive(Debug, Clone)]
pub struct World {
    pub vpc_app: String,
    pub vpc_data: String,
    pub subnet_app: String,
    pub subnet_db: [String; 2],
    pub subnet_cache: String,
    pub sg_app: String,
    pub sg_app_v2: String,
    pub sg_db: String,
    pub sg_cache: String,
    pub acl_db: String,
    pub rtb_app: String,
    pub pcx: String,
    pub app_server: String,
    pub app_old: String,
    pub app_win: String,
    pub cache: String,
    pub bulk_groups: usize,
    pub bulk_enis: usize,
}

fn tag(name: &str) -> ec2t::TagSpecification {
    ec2t::TagSpecification::builder()
        .resource_type(ec2t::ResourceType::Instance)
        .tags(ec2t::Tag::builder().key("Name").value(name).build())
        .build()
}

fn tcp(from: i32, to: i32) -> aws_sdk_ec2::types::builders::IpPermissionBuilder {
    ec2t::IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(from)
        .to_port(to)
}

/// Creates security group `name` in VPC `vpc`; returns its id.
pub async fn create_group(ec2: &aws_sdk_ec2::Client, vpc: String, name: &str) -> String {
    ec2.create_security_group()
        .vpc_id(vpc)
        .group_name(name)
        .description(name)
        .send()
        .await
        .unwrap()
        .group_id
        .unwrap()
}

/// Launches one `t3.micro` of `image` named `name` in `subnet` with `group`;
/// returns its id. moto's images: ami-785db401 is Ubuntu (no Platform),
/// ami-03cf127a Windows.
pub async fn run_instance(
    ec2: &aws_sdk_ec2::Client,
    subnet: String,
    group: String,
    name: &str,
    image: &str,
) -> String {
    ec2.run_instances()
        .image_id(image)
        .instance_type(ec2t::InstanceType::T3Micro)
        .min_count(1)
        .max_count(1)
        .subnet_id(subnet)
        .security_group_ids(group)
        .tag_specifications(tag(name))
        .send()
        .await
        .unwrap()
        .instances()[0]
        .instance_id()
        .unwrap()
        .to_string()
}

/// Creates RDS PostgreSQL `ident` on port 5432 in `subnets` (a subnet group
/// `{ident}-subnets`) with group `sg`.
pub async fn create_postgres(rds: &aws_sdk_rds::Client, ident: &str, subnets: &[String], sg: &str) {
    let group = format!("{ident}-subnets");
    let mut req = rds
        .create_db_subnet_group()
        .db_subnet_group_name(&group)
        .db_subnet_group_description(ident);
    for s in subnets {
        req = req.subnet_ids(s);
    }
    req.send().await.unwrap();
    let created = rds
        .create_db_instance()
        .db_instance_identifier(ident)
        .engine("postgres")
        .db_instance_class("db.t3.micro")
        .allocated_storage(20)
        .master_username("netpath")
        .master_user_password("not-a-secret-1")
        .db_subnet_group_name(&group)
        .vpc_security_group_ids(sg)
        .port(5432)
        .send()
        .await;
    // Under load the emulator can drop the connection after creating the
    // instance; the SDK's retry then finds it there (seen once in CI).
    if let Err(e) = created {
        let exists = e
            .as_service_error()
            .is_some_and(|s| s.is_db_instance_already_exists_fault());
        assert!(exists, "create {ident}: {e:?}");
    }
}

/// Builds the test world in the emulator with the SDK's create calls:
///
/// - VPC `app` (10.0.0.0/16) with subnets app (10.0.1.0/24), db-a
///   (10.0.2.0/24) and db-b (10.0.3.0/24); VPC `data` (10.1.0.0/16) with a
///   cache subnet (10.1.1.0/24); an active peering between them, routed both
///   ways (app through an explicitly associated table, data through its main
///   table);
/// - groups sg-app, sg-app-v2 (the drift: the DB admits only sg-app),
///   sg-db (5432 from sg-app), sg-cache (6379 from 10.0.0.0/16);
/// - a NACL on both DB subnets, entries created out of rule-number order,
///   whose only outbound allow is Windows' ephemeral range 49152-65535;
/// - instances app-server (sg-app-v2), app-old (sg-app), cache (sg-cache);
///   app-win (sg-app, a Windows image); RDS PostgreSQL `prod-db` in the DB
///   subnets with sg-db;
/// - 20 more groups and 20 more ENIs, so lists span several pages.
pub async fn build_world(endpoint: &str) -> World {
    let conf = config(endpoint).await;
    let ec2 = aws_sdk_ec2::Client::new(&conf);
    let rds = aws_sdk_rds::Client::new(&conf);
    let vpc = |cidr: &'static str| {
        let ec2 = ec2.clone();
        async move {
            ec2.create_vpc()
                .cidr_block(cidr)
                .send()
                .await
                .unwrap()
                .vpc
                .unwrap()
                .vpc_id
                .unwrap()
        }
    };
    let vpc_app = vpc("10.0.0.0/16").await;
    let vpc_data = vpc("10.1.0.0/16").await;
    let subnet = |v: String, cidr: &'static str| {
        let ec2 = ec2.clone();
        async move {
            ec2.create_subnet()
                .vpc_id(v)
                .cidr_block(cidr)
                .send()
                .await
                .unwrap()
                .subnet
                .unwrap()
                .subnet_id
                .unwrap()
        }
    };
    let subnet_app = subnet(vpc_app.clone(), "10.0.1.0/24").await;
    let subnet_db = [
        subnet(vpc_app.clone(), "10.0.2.0/24").await,
        subnet(vpc_app.clone(), "10.0.3.0/24").await,
    ];
    let subnet_cache = subnet(vpc_data.clone(), "10.1.1.0/24").await;

    let pcx = ec2
        .create_vpc_peering_connection()
        .vpc_id(&vpc_app)
        .peer_vpc_id(&vpc_data)
        .send()
        .await
        .unwrap()
        .vpc_peering_connection
        .unwrap()
        .vpc_peering_connection_id
        .unwrap();
    ec2.accept_vpc_peering_connection()
        .vpc_peering_connection_id(&pcx)
        .send()
        .await
        .unwrap();

    let group = |v: String, name: &'static str| create_group(&ec2, v, name);
    let sg_app = group(vpc_app.clone(), "sg-app").await;
    let sg_app_v2 = group(vpc_app.clone(), "sg-app-v2").await;
    let sg_db = group(vpc_app.clone(), "sg-db").await;
    let sg_cache = group(vpc_data.clone(), "sg-cache").await;
    ec2.authorize_security_group_ingress()
        .group_id(&sg_db)
        .ip_permissions(
            tcp(5432, 5432)
                .user_id_group_pairs(ec2t::UserIdGroupPair::builder().group_id(&sg_app).build())
                .build(),
        )
        .send()
        .await
        .unwrap();
    ec2.authorize_security_group_ingress()
        .group_id(&sg_cache)
        .ip_permissions(
            tcp(6379, 6379)
                .ip_ranges(ec2t::IpRange::builder().cidr_ip("10.0.0.0/16").build())
                .build(),
        )
        .send()
        .await
        .unwrap();
    let bulk_groups = 20;
    for i in 0..bulk_groups {
        ec2.create_security_group()
            .vpc_id(&vpc_app)
            .group_name(format!("bulk-{i}"))
            .description("bulk")
            .send()
            .await
            .unwrap();
    }

    // The DB subnets' NACL: entries created out of rule-number order.
    let acl_db = ec2
        .create_network_acl()
        .vpc_id(&vpc_app)
        .send()
        .await
        .unwrap()
        .network_acl
        .unwrap()
        .network_acl_id
        .unwrap();
    let entry =
        |n: i32, egress: bool, action: ec2t::RuleAction, cidr: &'static str, ports: (i32, i32)| {
            let ec2 = ec2.clone();
            let acl = acl_db.clone();
            async move {
                ec2.create_network_acl_entry()
                    .network_acl_id(acl)
                    .rule_number(n)
                    .egress(egress)
                    .rule_action(action)
                    .protocol("6")
                    .cidr_block(cidr)
                    .port_range(ec2t::PortRange::builder().from(ports.0).to(ports.1).build())
                    .send()
                    .await
                    .unwrap();
            }
        };
    entry(
        200,
        false,
        ec2t::RuleAction::Allow,
        "10.0.0.0/16",
        (5432, 5432),
    )
    .await;
    entry(
        100,
        false,
        ec2t::RuleAction::Deny,
        "10.0.9.0/24",
        (5432, 5432),
    )
    .await;
    entry(
        100,
        true,
        ec2t::RuleAction::Allow,
        "10.0.0.0/16",
        (49152, 65535),
    )
    .await;
    let default_acl = ec2
        .describe_network_acls()
        .filters(
            ec2t::Filter::builder()
                .name("vpc-id")
                .values(&vpc_app)
                .build(),
        )
        .filters(
            ec2t::Filter::builder()
                .name("default")
                .values("true")
                .build(),
        )
        .send()
        .await
        .unwrap();
    for s in &subnet_db {
        let assoc = default_acl
            .network_acls()
            .iter()
            .flat_map(|a| a.associations())
            .find(|a| a.subnet_id() == Some(s.as_str()))
            .and_then(|a| a.network_acl_association_id())
            .expect("the default ACL holds every new subnet")
            .to_string();
        ec2.replace_network_acl_association()
            .association_id(assoc)
            .network_acl_id(&acl_db)
            .send()
            .await
            .unwrap();
    }

    // Routes: app through an explicit table, data back through its main table.
    let main_of = |v: String| {
        let ec2 = ec2.clone();
        async move {
            ec2.describe_route_tables()
                .filters(ec2t::Filter::builder().name("vpc-id").values(v).build())
                .filters(
                    ec2t::Filter::builder()
                        .name("association.main")
                        .values("true")
                        .build(),
                )
                .send()
                .await
                .unwrap()
                .route_tables()[0]
                .route_table_id()
                .unwrap()
                .to_string()
        }
    };
    let rtb_app = ec2
        .create_route_table()
        .vpc_id(&vpc_app)
        .send()
        .await
        .unwrap()
        .route_table
        .unwrap()
        .route_table_id
        .unwrap();
    ec2.create_route()
        .route_table_id(&rtb_app)
        .destination_cidr_block("10.1.0.0/16")
        .vpc_peering_connection_id(&pcx)
        .send()
        .await
        .unwrap();
    ec2.associate_route_table()
        .route_table_id(&rtb_app)
        .subnet_id(&subnet_app)
        .send()
        .await
        .unwrap();
    let rtb_data = main_of(vpc_data.clone()).await;
    ec2.create_route()
        .route_table_id(&rtb_data)
        .destination_cidr_block("10.0.0.0/16")
        .vpc_peering_connection_id(&pcx)
        .send()
        .await
        .unwrap();

    // moto's images: ami-785db401 is Ubuntu (no Platform), ami-03cf127a Windows.
    let run = |subnet: String, group: String, name: &'static str, image: &'static str| {
        run_instance(&ec2, subnet, group, name, image)
    };
    const LINUX: &str = "ami-785db401";
    let app_server = run(subnet_app.clone(), sg_app_v2.clone(), "app-server", LINUX).await;
    let app_old = run(subnet_app.clone(), sg_app.clone(), "app-old", LINUX).await;
    let app_win = run(
        subnet_app.clone(),
        sg_app.clone(),
        "app-win",
        "ami-03cf127a",
    )
    .await;
    let cache = run(subnet_cache.clone(), sg_cache.clone(), "cache", LINUX).await;
    let bulk_enis = 20;
    for _ in 0..bulk_enis {
        ec2.create_network_interface()
            .subnet_id(&subnet_app)
            .groups(&sg_app)
            .send()
            .await
            .unwrap();
    }

    create_postgres(&rds, "prod-db", &subnet_db, &sg_db).await;

    World {
        vpc_app,
        vpc_data,
        subnet_app,
        subnet_db,
        subnet_cache,
        sg_app,
        sg_app_v2,
        sg_db,
        sg_cache,
        acl_db,
        rtb_app,
        pcx,
        app_server,
        app_old,
        app_win,
        cache,
        bulk_groups,
        bulk_enis,
    }
}

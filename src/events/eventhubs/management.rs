//! The hub's partition ids: a `READ` of type `com.microsoft:eventhub` on `$management`,
//! answered with a map whose `partition_ids` is an array of strings.

use std::time::Duration;

use fe2o3_amqp::session::SessionHandle;
use fe2o3_amqp::types::primitives::Value;

use super::auth::RequestLink;
use super::Hub;
use crate::events::EventsError;

pub(super) async fn partition_ids(
    session: &mut SessionHandle<()>,
    hub: &Hub,
) -> Result<Vec<String>, EventsError> {
    let (token, _, _) = hub.token().await?;
    let mut link = RequestLink::open(session, "$management").await?;
    let reply = link
        .request(
            &[
                ("operation", "READ"),
                ("name", hub.name.as_str()),
                ("type", "com.microsoft:eventhub"),
                ("security_token", token.as_str()),
            ],
            None,
            Duration::from_secs(30),
        )
        .await;
    link.close().await;
    let reply = reply?;
    let failed = |why: String| EventsError::Request {
        node: "$management".to_owned(),
        why,
    };
    if !(200..300).contains(&reply.status) {
        return Err(failed(format!(
            "READ {} answered {} {}",
            hub.name, reply.status, reply.description
        )));
    }
    let Some(Value::Map(map)) = reply.body else {
        return Err(failed("the READ reply has no map body".to_owned()));
    };
    let ids = map
        .iter()
        .find(|(k, _)| key(k) == "partition_ids")
        .map(|(_, v)| v);
    let items: Vec<&Value> = match ids {
        Some(Value::Array(a)) => a.0.iter().collect(),
        Some(Value::List(l)) => l.iter().collect(),
        _ => return Err(failed("the READ reply has no partition_ids".to_owned())),
    };
    let ids: Vec<String> = items
        .into_iter()
        .filter_map(|v| match v {
            Value::String(s) => Some(s.clone()),
            _ => None,
        })
        .collect();
    if ids.is_empty() {
        return Err(failed("the hub has no partitions".to_owned()));
    }
    Ok(ids)
}

fn key(value: &Value) -> &str {
    match value {
        Value::String(s) => s,
        Value::Symbol(s) => s.as_str(),
        _ => "",
    }
}

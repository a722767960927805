//! The double's `$cbs` (put-token, SAS signatures checked) and `$management` (READ of a hub
//! and of a partition) nodes.

use super::server::Connection;
use super::*;

pub(super) fn app_prop(message: &Message<Body<Value>>, name: &str) -> Option<String> {
    match message.application_properties.as_ref()?.0.get(name)? {
        SimpleValue::String(s) => Some(s.clone()),
        SimpleValue::Symbol(s) => Some(s.as_str().to_owned()),
        _ => None,
    }
}

pub(super) fn reply(
    request: &Message<Body<Value>>,
    status: i32,
    description: &str,
    body: Value,
) -> Message<Body<Value>> {
    let correlation = request
        .properties
        .as_ref()
        .and_then(|p| p.message_id.clone());
    Message {
        header: None,
        delivery_annotations: None,
        message_annotations: None,
        properties: Some(Properties {
            correlation_id: correlation,
            ..Properties::default()
        }),
        application_properties: Some(
            ApplicationProperties::builder()
                .insert("status-code", status)
                .insert("statusCode", status)
                .insert("status-description", description)
                .insert("statusDescription", description)
                .build(),
        ),
        body: Body::Value(fe2o3_amqp::types::messaging::AmqpValue(body)),
        footer: None,
    }
}

/// Checks a SAS token: the double's key name, a signature made with its key, not expired.
/// Its expiry when good.
pub(super) fn check_token(state: &State, token: &str) -> Option<u64> {
    let fields: HashMap<&str, &str> = token
        .strip_prefix("SharedAccessSignature ")?
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .collect();
    let sr = fields.get("sr")?;
    let se: u64 = fields.get("se")?.parse().ok()?;
    let sig = percent_encoding::percent_decode_str(fields.get("sig")?)
        .decode_utf8()
        .ok()?;
    if fields.get("skn") != Some(&KEY_NAME) || se <= now_ms() as u64 / 1000 {
        return None;
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(state.key.as_bytes()).ok()?;
    mac.update(format!("{sr}\n{se}").as_bytes());
    let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    (expected == sig).then_some(se)
}

pub(super) fn token_of(message: &Message<Body<Value>>) -> Option<String> {
    match &message.body {
        Body::Value(v) => match &v.0 {
            Value::String(s) => Some(s.clone()),
            _ => None,
        },
        _ => None,
    }
}

pub(super) fn map(entries: Vec<(&str, Value)>) -> Value {
    let mut m = OrderedMap::new();
    for (k, v) in entries {
        m.insert(Value::String(k.to_owned()), v);
    }
    Value::Map(m)
}

pub(super) fn answer(
    state: &State,
    conn: &Connection,
    node: &str,
    request: &Message<Body<Value>>,
) -> Message<Body<Value>> {
    if node.ends_with("$cbs") {
        let audience = app_prop(request, "name").unwrap_or_default();
        if app_prop(request, "type").as_deref() == Some("jwt") {
            let good =
                token_of(request).is_some_and(|t| lock(&state.jwt).as_deref() == Some(t.as_str()));
            let mut seen = lock(&state.seen);
            return if good && app_prop(request, "operation").as_deref() == Some("put-token") {
                seen.tokens_accepted += 1;
                seen.jwt_accepted += 1;
                lock(&conn.tokens).insert(audience, now_ms() as u64 / 1000 + 3600);
                reply(request, 202, "Accepted", Value::Null)
            } else {
                seen.tokens_refused += 1;
                reply(request, 401, "the access token is not valid", Value::Null)
            };
        }
        return match token_of(request).and_then(|t| check_token(state, &t)) {
            Some(expires) if app_prop(request, "operation").as_deref() == Some("put-token") => {
                lock(&conn.tokens).insert(audience, expires);
                lock(&state.seen).tokens_accepted += 1;
                reply(request, 202, "Accepted", Value::Null)
            }
            _ => {
                lock(&state.seen).tokens_refused += 1;
                reply(request, 401, "the token is not valid", Value::Null)
            }
        };
    }
    // $management
    lock(&state.seen).management_reads += 1;
    let hub_name = app_prop(request, "name").unwrap_or_default();
    let jwt = lock(&state.jwt).clone();
    let token_ok = app_prop(request, "security_token")
        .is_some_and(|t| check_token(state, &t).is_some() || jwt.as_deref() == Some(t.as_str()))
        || conn.authorised(&hub_name);
    if !token_ok {
        return reply(request, 401, "unauthorized", Value::Null);
    }
    if app_prop(request, "operation").as_deref() != Some("READ") {
        return reply(request, 400, "unknown operation", Value::Null);
    }
    let hubs = lock(&state.hubs);
    let Some(hub) = hubs.get(&hub_name) else {
        return reply(request, 404, "no such hub", Value::Null);
    };
    match app_prop(request, "type").as_deref() {
        Some("com.microsoft:eventhub") => {
            let ids: Vec<String> = (0..hub.partitions.len()).map(|p| p.to_string()).collect();
            reply(
                request,
                200,
                "OK",
                map(vec![
                    ("name", Value::String(hub_name.clone())),
                    ("type", Value::String("com.microsoft:eventhub".to_owned())),
                    (
                        "created_at",
                        Value::Timestamp(Timestamp::from_milliseconds(0)),
                    ),
                    ("partition_count", Value::Int(hub.partitions.len() as i32)),
                    (
                        "partition_ids",
                        Value::Array(Array::from(
                            ids.into_iter().map(Value::String).collect::<Vec<_>>(),
                        )),
                    ),
                ]),
            )
        }
        Some("com.microsoft:partition") => {
            let id = app_prop(request, "partition").unwrap_or_default();
            let Some(partition) = id.parse::<usize>().ok().and_then(|p| hub.partitions.get(p))
            else {
                return reply(request, 404, "no such partition", Value::Null);
            };
            let last = partition.last();
            reply(
                request,
                200,
                "OK",
                map(vec![
                    ("name", Value::String(hub_name.clone())),
                    ("type", Value::String("com.microsoft:partition".to_owned())),
                    ("partition", Value::String(id.clone())),
                    ("begin_sequence_number", Value::Long(0)),
                    (
                        "last_enqueued_sequence_number",
                        Value::Long(last.map(|s| s.sequence).unwrap_or(-1)),
                    ),
                    (
                        "last_enqueued_offset",
                        Value::String(
                            last.map(|s| s.sequence.to_string())
                                .unwrap_or_else(|| "-1".to_owned()),
                        ),
                    ),
                    (
                        "last_enqueued_time_utc",
                        Value::Timestamp(Timestamp::from_milliseconds(now_ms())),
                    ),
                    ("is_partition_empty", Value::Bool(partition.is_empty())),
                ]),
            )
        }
        _ => reply(request, 400, "unknown type", Value::Null),
    }
}

//! The OpenAPI document of every role, snapshotted: a change to what an API accepts or
//! answers shows up here for review. `scripts/test.sh` also runs schemathesis against the
//! running roles with these documents.

use utoipa::OpenApi as _;

#[test]
fn executor_openapi_document() {
    let doc = pyexec::executor::api::ApiDoc::openapi();
    insta::assert_json_snapshot!(doc);
}

#[test]
fn llm_openapi_document() {
    let doc = pyexec::llm::api::ApiDoc::openapi();
    insta::assert_json_snapshot!(doc);
}

#[test]
fn every_error_answer_of_every_documented_path_is_an_api_error() {
    for doc in [
        pyexec::executor::api::ApiDoc::openapi(),
        pyexec::llm::api::ApiDoc::openapi(),
    ] {
        let json = serde_json::to_value(&doc).expect("JSON");
        for (path, item) in json["paths"].as_object().expect("paths") {
            for (method, operation) in item.as_object().expect("operations") {
                for (status, response) in operation["responses"].as_object().expect("responses") {
                    let code: u16 = status.parse().expect("numeric status");
                    let schema = &response["content"]["application/json"]["schema"]["$ref"];
                    if code >= 400
                        && !(path.ends_with("/health") || path.ends_with("/ready"))
                        && code != 500
                    {
                        assert_eq!(
                            schema, "#/components/schemas/ApiError",
                            "{method} {path} {status} is not documented as an ApiError"
                        );
                    }
                }
            }
        }
    }
}

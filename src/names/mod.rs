//! Name resolution over a parsed program, shared by the [`crate::classifier`] and the
//! [`crate::validator`]: which names imports bind and what each resolves to (`bindings`),
//! and which names each function, lambda, comprehension or class scope binds (`scopes`).
//!
//! It sits below both so that the classifier can read the same bindings the validator
//! checks without either module reaching into the other.

pub(crate) mod bindings;
pub(crate) mod scopes;

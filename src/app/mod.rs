//! Composition of the roles: where configuration meets the pieces it configures. Modules
//! below this one never see each other's types through `config`; this layer converts.

mod server_limits;

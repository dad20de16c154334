//! Invalid configurations are refused with an error that names the field.

use std::io::ErrorKind;

use zokio::runtime::{Builder, Config};

fn refused(builder: &mut Builder, field: &str) {
    let err = builder.build().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    assert!(
        err.to_string().contains(field),
        "{err} does not name {field}"
    );
}

#[test]
fn invalid_builder_values_are_input_errors() {
    refused(
        Builder::new_current_thread().event_interval(0),
        "event_interval",
    );
    refused(
        Builder::new_current_thread().global_queue_interval(0),
        "global_queue_interval",
    );
    refused(
        Builder::new_current_thread().max_blocking_threads(0),
        "max_blocking_threads",
    );
    refused(
        Builder::new_current_thread().thread_stack_size(100),
        "thread_stack_size",
    );
    refused(
        Builder::new_current_thread().worker_threads(2),
        "worker_threads",
    );
}

#[test]
fn invalid_config_is_refused_by_from_config() {
    let config = Config::new_current_thread().event_interval(0);
    let err = config.check().unwrap_err();
    assert_eq!(err.field(), "event_interval");
    refused(&mut Builder::from_config(config), "event_interval");
}

#[test]
fn valid_const_config_builds() {
    const CONFIG: Config = Config::new_current_thread()
        .event_interval(17)
        .global_queue_interval(7)
        .enable_all()
        .validate();
    let rt = Builder::from_config(CONFIG).build().unwrap();
    assert_eq!(
        rt.block_on(async { zokio::spawn(async { 1 }).await.unwrap() }),
        1
    );
}

#[test]
fn invalid_multi_thread_values_are_input_errors() {
    refused(
        Builder::new_multi_thread().local_queue_capacity(100),
        "local_queue_capacity",
    );
    refused(
        Builder::new_multi_thread().worker_threads(1 << 20),
        "worker_threads",
    );
}

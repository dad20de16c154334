use zokio::runtime::Builder;

#[test]
fn spawn_and_join() {
    let rt = Builder::new_current_thread().build().unwrap();
    let out = rt.block_on(async {
        let mut hs = Vec::new();
        for i in 0..1000u64 {
            hs.push(zokio::spawn(async move {
                zokio::task::yield_now().await;
                i
            }));
        }
        let mut sum = 0;
        for h in hs {
            sum += h.await.unwrap();
        }
        sum
    });
    assert_eq!(out, 999 * 1000 / 2);
}

#[test]
fn panic_is_caught() {
    let rt = Builder::new_current_thread().build().unwrap();
    let err = rt.block_on(async { zokio::spawn(async { panic!("boom") }).await.unwrap_err() });
    assert!(err.is_panic());
}

#[test]
fn remote_spawn() {
    let rt = Builder::new_current_thread().build().unwrap();
    let h = rt.handle().clone();
    let jh = std::thread::spawn(move || h.spawn(async { 7 })).join().unwrap();
    assert_eq!(rt.block_on(jh).unwrap(), 7);
}

//! The ceiling of the request path: an actix-web server, on as many workers as Ferry's, whose
//! one POST handler parses a small JSON body and answers JSON, without IO. Whatever Ferry
//! does beyond that (middleware, logging, the database) shows as its ratio to this.

use actix_web::{web, App, HttpServer};
use std::net::{SocketAddr, TcpListener};

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Asked {
    destination_id: uuid::Uuid,
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Answer {
    destination_id: uuid::Uuid,
    name: &'static str,
    destination_definition_id: uuid::Uuid,
    workspace_id: uuid::Uuid,
    connection_configuration: serde_json::Value,
    destination_name: &'static str,
}

async fn answer(asked: web::Json<Asked>) -> web::Json<Answer> {
    web::Json(Answer {
        destination_id: asked.destination_id,
        name: "files",
        destination_definition_id: uuid::Uuid::nil(),
        workspace_id: uuid::Uuid::nil(),
        connection_configuration: serde_json::json!({ "destination_path": "bench" }),
        destination_name: "Local JSON",
    })
}

/// The path the ceiling answers on.
pub const PATH: &str = "/ceiling";

/// A running ceiling server; stopped when dropped.
pub struct Ceiling {
    pub addr: SocketAddr,
    handle: actix_web::dev::ServerHandle,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Ceiling {
    pub fn start(workers: usize) -> Ceiling {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the ceiling");
        let addr = listener.local_addr().expect("ceiling address");
        let (sender, receiver) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server = HttpServer::new(|| App::new().route(PATH, web::post().to(answer)))
                    .workers(workers)
                    .disable_signals()
                    .listen(listener)
                    .expect("listen")
                    .run();
                sender.send(server.handle()).expect("hand over the handle");
                server.await.expect("the ceiling server failed");
            })
        });
        let handle = receiver.recv().expect("the ceiling server started");
        Ceiling {
            addr,
            handle,
            thread: Some(thread),
        }
    }
}

impl Drop for Ceiling {
    fn drop(&mut self) {
        let stopped = self.handle.stop(false);
        futures_executor_block_on(stopped);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Runs a future to completion on a throwaway current-thread runtime.
fn futures_executor_block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
        .block_on(future)
}

//! One `job` span around every attempt of every job, so each log line a handler writes names
//! its queue, job and attempt, and — once the handler has loaded them — its tenant and
//! conversation ([`record_tenant`], [`record_conversation`]).

use std::task::{Context, Poll};

use apalis_core::task::Task;
use otklik_jobs::Queue;
use tower::{Layer, Service};
use tracing::Instrument;
use tracing::field::Empty;

/// Wraps a queue's handler in the job's span.
#[derive(Clone, Copy)]
pub(crate) struct JobSpanLayer {
    queue: Queue,
}

impl JobSpanLayer {
    pub(crate) fn new(queue: Queue) -> Self {
        Self { queue }
    }
}

impl<S> Layer<S> for JobSpanLayer {
    type Service = Spanned<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Spanned {
            inner,
            queue: self.queue,
        }
    }
}

#[derive(Clone)]
pub(crate) struct Spanned<S> {
    inner: S,
    queue: Queue,
}

impl<S, Args> Service<Task<Args>> for Spanned<S>
where
    S: Service<Task<Args>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = tracing::instrument::Instrumented<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, task: Task<Args>) -> Self::Future {
        let span = tracing::info_span!(
            "job",
            job.queue = self.queue.as_str(),
            job.id = Empty,
            job.attempt = task.raw_attempt().current(),
            tenant.id = Empty,
            conversation.id = Empty,
        );
        if let Some(id) = task.task_id() {
            span.record("job.id", tracing::field::display(id));
        }
        // Entered while the handler's future is made, too: it may log before its first poll.
        let running = span.in_scope(|| self.inner.call(task));
        running.instrument(span)
    }
}

/// Names the tenant the running job works for on its span.
pub(crate) fn record_tenant(tenant: impl std::fmt::Display) {
    tracing::Span::current().record("tenant.id", tracing::field::display(tenant));
}

/// Names the conversation the running job works on on its span.
pub(crate) fn record_conversation(conversation: impl std::fmt::Display) {
    tracing::Span::current().record("conversation.id", tracing::field::display(conversation));
}

#[cfg(test)]
mod tests {
    use std::future::{Ready, ready};
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use super::*;

    /// A handler that names its tenant and conversation, then logs.
    struct Handler;

    impl Service<Task<()>> for Handler {
        type Response = ();
        type Error = std::convert::Infallible;
        type Future = Ready<Result<(), Self::Error>>;

        fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
            Poll::Ready(Ok(()))
        }

        fn call(&mut self, _: Task<()>) -> Self::Future {
            record_tenant(17);
            record_conversation(42);
            tracing::info!("turn taken");
            ready(Ok(()))
        }
    }

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[tokio::test]
    async fn a_handler_s_log_lines_name_the_queue_attempt_tenant_and_conversation() {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        let _default = tracing::subscriber::set_default(subscriber);

        let mut service = JobSpanLayer::new(Queue::Turns).layer(Handler);
        service.call(Task::new(())).await.expect("handled");

        let lines = String::from_utf8(captured.0.lock().expect("log").clone()).expect("utf-8");
        let line = lines
            .lines()
            .find(|line| line.contains("turn taken"))
            .unwrap_or_else(|| panic!("no log line: {lines}"));
        for field in [
            "job{",
            "job.queue=\"turns\"",
            "job.attempt=",
            "tenant.id=17",
            "conversation.id=42",
        ] {
            assert!(line.contains(field), "{field} missing from {line}");
        }
    }
}

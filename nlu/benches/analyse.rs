//! NLU throughput on one core: every corpus line analysed, several passes, one thread.
//! Prints one JSON line: messages/s and per-message latency percentiles in microseconds.
//! Run by `scripts/bench` (`cargo bench -p otklik-nlu`).

use std::time::Instant;

fn main() {
    let corpus = concat!(env!("CARGO_MANIFEST_DIR"), "/corpus");
    let mut lines = Vec::new();
    for language in std::fs::read_dir(corpus).expect("the corpus directory") {
        let language = language.expect("a language directory").path();
        for entry in std::fs::read_dir(language).expect("a language directory") {
            let text =
                std::fs::read_to_string(entry.expect("a corpus file").path()).expect("utf-8");
            lines.extend(text.lines().map(str::to_owned));
        }
    }
    // Warm-up: decodes the model and compiles the entity patterns.
    otklik_nlu::analyse("где мой заказ 1456789012?");

    const PASSES: usize = 5;
    let mut latencies = Vec::with_capacity(lines.len() * PASSES);
    let started = Instant::now();
    for _ in 0..PASSES {
        for line in &lines {
            let t = Instant::now();
            std::hint::black_box(otklik_nlu::analyse(line));
            latencies.push(t.elapsed().as_nanos() as f64 / 1000.0);
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    latencies.sort_by(f64::total_cmp);
    let at = |q: f64| latencies[((latencies.len() as f64 - 1.0) * q) as usize];
    let line = format!(
        "{{\"messages\":{},\"messages_per_second\":{:.0},\"p50_us\":{:.1},\"p99_us\":{:.1},\"max_us\":{:.1}}}",
        latencies.len(),
        latencies.len() as f64 / seconds,
        at(0.5),
        at(0.99),
        at(1.0),
    );
    #[expect(
        clippy::print_stdout,
        reason = "the figures are the benchmark's output"
    )]
    {
        println!("{line}");
    }
}

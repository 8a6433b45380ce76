//! One benchmark figure: its samples, their median, min and max, the target
//! it is held against, and the machine's state while it was measured.

use serde_json::{json, Map, Value};

/// Which way a target points.
#[derive(Debug, Clone, Copy)]
pub enum Target {
    /// The median must be at most this.
    AtMost(f64),
    /// The median must be at least this.
    AtLeast(f64),
    /// Informational: no target.
    None,
}

impl Target {
    fn to_json(self) -> Value {
        match self {
            Self::AtMost(value) => json!({ "atMost": value }),
            Self::AtLeast(value) => json!({ "atLeast": value }),
            Self::None => Value::Null,
        }
    }

    fn describe(self) -> String {
        match self {
            Self::AtMost(value) => format!("<= {}", short(value)),
            Self::AtLeast(value) => format!(">= {}", short(value)),
            Self::None => "-".to_owned(),
        }
    }

    fn met_by(self, median: f64) -> Option<bool> {
        match self {
            Self::AtMost(value) => Some(median <= value),
            Self::AtLeast(value) => Some(median >= value),
            Self::None => None,
        }
    }
}

/// Cores and load average at one moment.
#[derive(Debug, Clone)]
pub struct MachineState {
    pub cores: usize,
    pub load_average: [f64; 3],
}

impl MachineState {
    pub fn now() -> Self {
        let cores = std::thread::available_parallelism().map_or(0, usize::from);
        let mut load_average = [f64::NAN; 3];
        // Without /proc/loadavg (not Linux) the load stays unknown (null).
        if let Ok(text) = std::fs::read_to_string("/proc/loadavg") {
            for (slot, field) in load_average.iter_mut().zip(text.split_whitespace()) {
                *slot = field.parse().unwrap_or(f64::NAN);
            }
        }
        Self {
            cores,
            load_average,
        }
    }

    fn load_json(&self) -> Value {
        json!(self
            .load_average
            .iter()
            .map(|value| if value.is_finite() {
                json!(value)
            } else {
                Value::Null
            })
            .collect::<Vec<_>>())
    }
}

/// A figure being measured: samples are added, then [`Figure::finish`]
/// summarises them.
pub struct Figure {
    id: &'static str,
    title: &'static str,
    unit: &'static str,
    target: Target,
    before: MachineState,
    samples: Vec<f64>,
    extra: Map<String, Value>,
}

impl Figure {
    /// Starts a figure and records the machine's state now.
    pub fn start(
        id: &'static str,
        title: &'static str,
        unit: &'static str,
        target: Target,
    ) -> Self {
        Self {
            id,
            title,
            unit,
            target,
            before: MachineState::now(),
            samples: Vec::new(),
            extra: Map::new(),
        }
    }

    /// The machine's state before the measurement, when the figure could
    /// only be started after it (its target depends on what was measured).
    pub fn since(mut self, before: MachineState) -> Self {
        self.before = before;
        self
    }

    pub fn add(&mut self, sample: f64) {
        self.samples.push(sample);
    }

    /// Whether anything was measured (a figure some runs cannot give).
    pub fn has_samples(&self) -> bool {
        !self.samples.is_empty()
    }

    /// Attaches a detail to the figure's JSON (e.g. the screen measured on).
    pub fn note(&mut self, key: &str, value: Value) {
        self.extra.insert(key.to_owned(), value);
    }

    /// Summarises the samples; the machine's state is read again now.
    pub fn finish(self) -> Summary {
        let after = MachineState::now();
        let mut sorted = self.samples.clone();
        sorted.sort_by(f64::total_cmp);
        let median = median(&sorted);
        let min = sorted.first().copied().unwrap_or(f64::NAN);
        let max = sorted.last().copied().unwrap_or(f64::NAN);
        let meets_target = if median.is_finite() {
            self.target.met_by(median)
        } else {
            None
        };
        let mut object = Map::new();
        object.insert("id".into(), json!(self.id));
        object.insert("title".into(), json!(self.title));
        object.insert("unit".into(), json!(self.unit));
        object.insert("target".into(), self.target.to_json());
        object.insert("meetsTarget".into(), json!(meets_target));
        object.insert("runs".into(), json!(self.samples.len()));
        object.insert("median".into(), number(median));
        object.insert("min".into(), number(min));
        object.insert("max".into(), number(max));
        object.insert(
            "samples".into(),
            json!(self
                .samples
                .iter()
                .map(|value| number(*value))
                .collect::<Vec<_>>()),
        );
        object.insert(
            "machine".into(),
            json!({
                "cores": self.before.cores,
                "loadAverageBefore": self.before.load_json(),
                "loadAverageAfter": after.load_json(),
            }),
        );
        object.extend(self.extra);
        let line = format!(
            "{:<34} {:>10} {:>10} {:>10} {:<8} {:>10}  {}   (load {:.2} -> {:.2})",
            self.title,
            short(median),
            short(min),
            short(max),
            self.unit,
            self.target.describe(),
            match meets_target {
                Some(true) => "meets",
                Some(false) => "MISSES",
                None => "",
            },
            self.before.load_average[0],
            after.load_average[0],
        );
        Summary {
            json: Value::Object(object),
            line,
        }
    }
}

/// A finished figure.
pub struct Summary {
    pub json: Value,
    pub line: String,
}

/// The header of the printed summary, aligned with [`Summary::line`].
pub fn header() -> String {
    format!(
        "{:<34} {:>10} {:>10} {:>10} {:<8} {:>10}",
        "figure", "median", "min", "max", "unit", "target"
    )
}

/// The median of sorted values: the mean of the middle two for an even count.
pub fn median(sorted: &[f64]) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        count if count % 2 == 1 => sorted[count / 2],
        count => (sorted[count / 2 - 1] + sorted[count / 2]) / 2.0,
    }
}

/// A figure's value for JSON: rounded to what the measurement can resolve,
/// `null` when there is none.
fn number(value: f64) -> Value {
    if value.is_finite() {
        json!((value * 1000.0).round() / 1000.0)
    } else {
        Value::Null
    }
}

/// A value for the printed table: whole numbers from 100 up, else two decimals.
fn short(value: f64) -> String {
    if !value.is_finite() {
        "-".to_owned()
    } else if value.abs() >= 100.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[1.0, 2.0, 9.0]), 2.0);
        assert_eq!(median(&[1.0, 2.0, 4.0, 9.0]), 3.0);
        assert!(median(&[]).is_nan());
    }

    #[test]
    fn a_figure_reports_its_target_honestly() {
        let mut figure = Figure::start("x", "x", "ms", Target::AtMost(10.0));
        for sample in [12.0, 8.0, 11.0] {
            figure.add(sample);
        }
        let summary = figure.finish();
        assert_eq!(summary.json["median"], 11.0);
        assert_eq!(summary.json["min"], 8.0);
        assert_eq!(summary.json["max"], 12.0);
        assert_eq!(summary.json["meetsTarget"], false);
        assert!(summary.line.contains("MISSES"));

        let mut figure = Figure::start("y", "y", "events/s", Target::AtLeast(5.0));
        figure.add(6.0);
        assert_eq!(figure.finish().json["meetsTarget"], true);
    }
}

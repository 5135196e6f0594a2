//! Charts drawn on the server as SVG, so pages need no script to show them.
//!
//! Every chart is a `<figure>`: the SVG (`role="img"`, named by its `<title>` and
//! described by its `<desc>`), a caption, and the table it draws as its text equivalent
//! under a `<details>`, so a screen reader, a printout and a reader who cannot tell the
//! colours apart all get the same figures. Values are written on or beside the marks, and
//! series differ by pattern or shape as well as by colour.
//!
//! A value may be missing (`None`): a figure hidden for privacy, a month with no answers.
//! The chart draws nothing for it and the table says why, in the caller's words
//! (`Chart::missing`).
//!
//! Pure: no database, no HTTP. Templates write a chart with `{{ chart|safe }}`; every
//! piece of text in it is escaped here.

use std::fmt;

use chrono::NaiveDate;

/// Width and height of the drawing area in SVG units (the SVG scales to its container).
const WIDTH: f64 = 640.0;
const LEFT: f64 = 44.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 28.0;

/// Fills for series, with patterns so that colour is never the only signal; the colours
/// keep 3:1 against white.
const FILLS: [&str; 4] = ["#1f5fbf", "#b35900", "#1e7a3c", "#6b3fa0"];
const PATTERNS: [&str; 4] = ["", "hatch", "dots", "cross"];

/// A chart ready to be written into a page.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    id: String,
    title: String,
    description: String,
    svg: String,
    table: DataTable,
}

/// The text equivalent of a chart: the figures it draws, one row per mark group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataTable {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// How a chart writes its numbers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    /// Digits after the decimal point.
    pub decimals: usize,
    /// The lowest and highest values of the axis; `None` for the highest takes the data's
    /// maximum, rounded up.
    pub min: f64,
    pub max: Option<f64>,
}

impl Scale {
    /// Counts: whole numbers from zero up to the data's maximum.
    pub const COUNT: Scale = Scale {
        decimals: 0,
        min: 0.0,
        max: None,
    };
    /// Shares in per cent, 0 to 100.
    pub const PERCENT: Scale = Scale {
        decimals: 0,
        min: 0.0,
        max: Some(100.0),
    };
    /// Levels and ratings of 1 to 5, with one decimal.
    pub const LEVEL: Scale = Scale {
        decimals: 1,
        min: 0.0,
        max: Some(5.0),
    };
    /// Levels of 1 to 5 as whole numbers, drawn from 1 (one person's assessments).
    pub const WHOLE_LEVEL: Scale = Scale {
        decimals: 0,
        min: 1.0,
        max: Some(5.0),
    };
    /// Ratings of 1 to 5 drawn from 1, with one decimal.
    pub const RATING: Scale = Scale {
        decimals: 1,
        min: 1.0,
        max: Some(5.0),
    };

    /// The axis: its highest value and the step between grid lines, both round numbers.
    fn axis(&self, values: impl Iterator<Item = f64>) -> (f64, f64) {
        match self.max {
            Some(max) => (max, nice_step((max - self.min) / 5.0)),
            None => {
                let highest = values.fold(self.min, f64::max).max(self.min + 1.0);
                // Whole numbers have whole steps.
                let least = if self.decimals == 0 { 1.0 } else { 0.0 };
                let step = nice_step((highest - self.min) / 5.0).max(least);
                (self.min + step * ((highest - self.min) / step).ceil(), step)
            }
        }
    }

    fn format(&self, value: f64) -> String {
        format!("{value:.prec$}", prec = self.decimals)
    }
}

/// One labelled value of a bar or line chart (a month, an objective).
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    pub label: String,
    pub value: Option<f64>,
}

impl Point {
    pub fn new(label: impl Into<String>, value: Option<f64>) -> Point {
        Point {
            label: label.into(),
            value,
        }
    }
}

/// One group of a grouped or stacked chart: a label and one value per series.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub label: String,
    pub values: Vec<Option<f64>>,
}

impl Group {
    pub fn new(label: impl Into<String>, values: Vec<Option<f64>>) -> Group {
        Group {
            label: label.into(),
            values,
        }
    }
}

/// One series of a chart over dates: its name and its values, each on the day it was
/// taken (a person's self-assessments of a skill).
#[derive(Debug, Clone, PartialEq)]
pub struct DatedSeries<'a> {
    pub name: &'a str,
    pub points: Vec<(NaiveDate, f64)>,
}

/// What every chart is told before it is drawn.
#[derive(Debug, Clone)]
pub struct Frame<'a> {
    /// Unique on the page: the ids of the title and description derive from it.
    pub id: &'a str,
    pub title: &'a str,
    /// One sentence saying what the chart shows (its `<desc>` and caption).
    pub description: &'a str,
    /// What the table says where a value is missing ("hidden for privacy (fewer than 3)").
    pub missing: &'a str,
    pub scale: Scale,
}

impl Chart {
    /// Vertical bars, one per point (kudos per month). `label_heading` heads the table's
    /// first column and `value_heading` its second.
    pub fn bars(
        frame: &Frame,
        label_heading: &str,
        value_heading: &str,
        points: &[Point],
    ) -> Chart {
        let height = 240.0;
        let bottom = 44.0;
        let plot = Plot::new(
            height,
            bottom,
            &frame.scale,
            points.iter().filter_map(|p| p.value),
        );
        let mut body = plot.axis(&frame.scale);
        let slot = plot.width() / points.len().max(1) as f64;
        let bar = (slot * 0.7).min(48.0);
        let every = label_stride(points, slot);
        for (i, point) in points.iter().enumerate() {
            let centre = LEFT + slot * (i as f64 + 0.5);
            if let Some(value) = point.value {
                let y = plot.y(value);
                body.push_str(&format!(
                    r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{}"><title>{}: {}</title></rect>"#,
                    centre - bar / 2.0,
                    y,
                    bar,
                    (plot.base() - y).max(0.0),
                    FILLS[0],
                    escape(&point.label),
                    frame.scale.format(value),
                ));
                if slot >= 22.0 {
                    body.push_str(&text(
                        centre,
                        y - 4.0,
                        "middle",
                        "value",
                        &frame.scale.format(value),
                    ));
                }
            } else {
                body.push_str(&text(centre, plot.base() - 4.0, "middle", "missing", "–"));
            }
            if i % every == 0 {
                body.push_str(&text(
                    centre,
                    plot.base() + 16.0,
                    "middle",
                    "label",
                    &point.label,
                ));
            }
        }
        let table = DataTable {
            columns: vec![label_heading.to_owned(), value_heading.to_owned()],
            rows: points
                .iter()
                .map(|p| vec![p.label.clone(), cell(frame, p.value)])
                .collect(),
        };
        Chart::assemble(frame, height, body, table)
    }

    /// Groups of bars side by side, one bar per series (skill levels: baseline, current,
    /// target per category).
    pub fn grouped_bars(
        frame: &Frame,
        label_heading: &str,
        series: &[&str],
        groups: &[Group],
    ) -> Chart {
        let height = 260.0;
        let bottom = 64.0;
        let values = groups
            .iter()
            .flat_map(|g| g.values.iter().flatten().copied());
        let plot = Plot::new(height, bottom, &frame.scale, values);
        let mut body = plot.axis(&frame.scale);
        let slot = plot.width() / groups.len().max(1) as f64;
        let bar = ((slot * 0.8) / series.len().max(1) as f64).min(36.0);
        for (i, group) in groups.iter().enumerate() {
            let start = LEFT + slot * (i as f64 + 0.5) - bar * series.len() as f64 / 2.0;
            for (s, value) in group.values.iter().enumerate().take(series.len()) {
                let x = start + bar * s as f64;
                match value {
                    Some(value) => {
                        let y = plot.y(*value);
                        body.push_str(&format!(
                            r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{}" stroke="{}" class="series-{s}"><title>{} – {}: {}</title></rect>"#,
                            x + 1.0,
                            y,
                            bar - 2.0,
                            (plot.base() - y).max(0.0),
                            fill(s),
                            FILLS[s % FILLS.len()],
                            escape(&group.label),
                            escape(series[s]),
                            frame.scale.format(*value),
                        ));
                        if bar >= 20.0 {
                            body.push_str(&text(
                                x + bar / 2.0,
                                y - 4.0,
                                "middle",
                                "value",
                                &frame.scale.format(*value),
                            ));
                        }
                    }
                    None => body.push_str(&text(
                        x + bar / 2.0,
                        plot.base() - 4.0,
                        "middle",
                        "missing",
                        "–",
                    )),
                }
            }
            body.push_str(&text(
                LEFT + slot * (i as f64 + 0.5),
                plot.base() + 16.0,
                "middle",
                "label",
                &group.label,
            ));
        }
        body.push_str(&legend(series, height - 18.0));
        let table = series_table(frame, label_heading, series, groups);
        Chart::assemble(frame, height, body, table)
    }

    /// One horizontal bar per group, split into the series' shares of it (objective
    /// coverage: achieved, partly, not achieved, open). Values are parts of the row's
    /// whole; a row with any missing value is drawn as hidden entirely, since its other
    /// parts would give the missing one away.
    pub fn stacked_bars(
        frame: &Frame,
        label_heading: &str,
        series: &[&str],
        groups: &[Group],
    ) -> Chart {
        let row = 26.0;
        let label_width = 150.0;
        let height = TOP + row * groups.len() as f64 + 40.0;
        let width = WIDTH - label_width - RIGHT;
        let mut body = String::new();
        for (i, group) in groups.iter().enumerate() {
            let y = TOP + row * i as f64;
            body.push_str(&text(
                label_width - 6.0,
                y + row / 2.0 + 4.0,
                "end",
                "label",
                &group.label,
            ));
            let parts: Option<Vec<f64>> = group.values.iter().take(series.len()).copied().collect();
            let total: f64 = parts.iter().flatten().sum();
            match parts {
                Some(parts) if total > 0.0 => {
                    let mut x = label_width;
                    for (s, part) in parts.iter().enumerate() {
                        let w = width * part / total;
                        if w <= 0.0 {
                            continue;
                        }
                        body.push_str(&format!(
                            r#"<rect x="{x:.1}" y="{:.1}" width="{w:.1}" height="{:.1}" fill="{}" stroke="{}" class="series-{s}"><title>{} – {}: {}</title></rect>"#,
                            y + 3.0,
                            row - 6.0,
                            fill(s),
                            FILLS[s % FILLS.len()],
                            escape(&group.label),
                            escape(series[s]),
                            frame.scale.format(*part),
                        ));
                        x += w;
                    }
                }
                Some(_) => body.push_str(&text(
                    label_width + 4.0,
                    y + row / 2.0 + 4.0,
                    "start",
                    "missing",
                    "none",
                )),
                None => body.push_str(&text(
                    label_width + 4.0,
                    y + row / 2.0 + 4.0,
                    "start",
                    "missing",
                    frame.missing,
                )),
            }
        }
        body.push_str(&legend(series, height - 18.0));
        let table = series_table(frame, label_heading, series, groups);
        Chart::assemble(frame, height, body, table)
    }

    /// A line through the points with a dashed line at the target (the monthly mean
    /// rating against the plan's measure). Gaps break the line.
    pub fn line(
        frame: &Frame,
        label_heading: &str,
        value_heading: &str,
        points: &[Point],
        target: Option<f64>,
    ) -> Chart {
        let height = 240.0;
        let bottom = 44.0;
        let values = points.iter().filter_map(|p| p.value).chain(target);
        let plot = Plot::new(height, bottom, &frame.scale, values);
        let mut body = plot.axis(&frame.scale);
        let slot = plot.width() / points.len().max(1) as f64;
        let every = label_stride(points, slot);
        if let Some(target) = target {
            let y = plot.y(target);
            body.push_str(&format!(
                r#"<line x1="{LEFT}" x2="{:.1}" y1="{y:.1}" y2="{y:.1}" class="target" stroke="{}" stroke-width="2" stroke-dasharray="6 4"/>"#,
                WIDTH - RIGHT,
                FILLS[2],
            ));
            body.push_str(&text(
                WIDTH - RIGHT,
                y - 5.0,
                "end",
                "value",
                &format!("target {}", frame.scale.format(target)),
            ));
        }
        let mut segment: Vec<(f64, f64)> = Vec::new();
        let mut segments = Vec::new();
        for (i, point) in points.iter().enumerate() {
            let x = LEFT + slot * (i as f64 + 0.5);
            match point.value {
                Some(value) => {
                    let y = plot.y(value);
                    segment.push((x, y));
                    body.push_str(&format!(
                        r#"<circle cx="{x:.1}" cy="{y:.1}" r="4" fill="{}"><title>{}: {}</title></circle>"#,
                        FILLS[0],
                        escape(&point.label),
                        frame.scale.format(value),
                    ));
                    if slot >= 26.0 {
                        body.push_str(&text(
                            x,
                            y - 8.0,
                            "middle",
                            "value",
                            &frame.scale.format(value),
                        ));
                    }
                }
                None => segments.push(std::mem::take(&mut segment)),
            }
            if i % every == 0 {
                body.push_str(&text(
                    x,
                    plot.base() + 16.0,
                    "middle",
                    "label",
                    &point.label,
                ));
            }
        }
        segments.push(segment);
        for segment in segments.iter().filter(|s| s.len() > 1) {
            let coordinates: Vec<String> = segment
                .iter()
                .map(|(x, y)| format!("{x:.1},{y:.1}"))
                .collect();
            body.push_str(&format!(
                r#"<polyline points="{}" fill="none" stroke="{}" stroke-width="2"/>"#,
                coordinates.join(" "),
                FILLS[0],
            ));
        }
        let mut columns = vec![label_heading.to_owned(), value_heading.to_owned()];
        if target.is_some() {
            columns.push("Target".to_owned());
        }
        let rows = points
            .iter()
            .map(|p| {
                let mut row = vec![p.label.clone(), cell(frame, p.value)];
                if let Some(target) = target {
                    row.push(frame.scale.format(target));
                }
                row
            })
            .collect();
        Chart::assemble(frame, height, body, DataTable { columns, rows })
    }

    /// Lines over time, one per series, each point placed by its date, with a dashed
    /// line at the target: a person's self and manager assessments of a skill. The x axis
    /// names the dates (as `date_label` writes them), the y axis the scale; series differ
    /// by marker (circle, square) and line (solid, dashed) as well as colour, and the
    /// legend says which is which. The table has a row per date and a column per series.
    pub fn dated_lines(
        frame: &Frame,
        date_heading: &str,
        series: &[DatedSeries],
        target: Option<f64>,
        date_label: impl Fn(NaiveDate) -> String,
    ) -> Chart {
        let height = 270.0;
        let bottom = 70.0;
        let values = series
            .iter()
            .flat_map(|s| s.points.iter().map(|(_, v)| *v))
            .chain(target);
        let plot = Plot::new(height, bottom, &frame.scale, values);
        let mut body = plot.axis(&frame.scale);
        body.push_str(&text(4.0, TOP - 12.0, "start", "axis", "Level"));
        let mut dates: Vec<NaiveDate> = series
            .iter()
            .flat_map(|s| s.points.iter().map(|(d, _)| *d))
            .collect();
        dates.sort_unstable();
        dates.dedup();
        let (first, last) = match (dates.first(), dates.last()) {
            (Some(first), Some(last)) => (*first, *last),
            _ => (NaiveDate::MIN, NaiveDate::MIN),
        };
        let span = (last - first).num_days() as f64;
        // Room for half a date label at either end.
        let inset = 40.0;
        let x_of = |date: NaiveDate| {
            if span <= 0.0 {
                LEFT + plot.width() / 2.0
            } else {
                LEFT + inset
                    + (plot.width() - 2.0 * inset) * (date - first).num_days() as f64 / span
            }
        };
        // A tick at every date; a label where it does not run into the one before.
        let mut free_from = f64::MIN;
        for date in &dates {
            let x = x_of(*date);
            body.push_str(&format!(
                r##"<line x1="{x:.1}" x2="{x:.1}" y1="{:.1}" y2="{:.1}" stroke="#5b6475" stroke-width="1"/>"##,
                plot.base(),
                plot.base() + 4.0,
            ));
            let label = date_label(*date);
            let half = 3.3 * label.chars().count() as f64;
            if x - half >= free_from {
                body.push_str(&text(x, plot.base() + 16.0, "middle", "label", &label));
                free_from = x + half + 8.0;
            }
        }
        if let Some(target) = target {
            let y = plot.y(target);
            body.push_str(&format!(
                r#"<line x1="{LEFT}" x2="{:.1}" y1="{y:.1}" y2="{y:.1}" class="target" stroke="{}" stroke-width="2" stroke-dasharray="6 4"/>"#,
                WIDTH - RIGHT,
                FILLS[2],
            ));
            body.push_str(&text(
                WIDTH - RIGHT,
                y - 5.0,
                "end",
                "value",
                &format!("target {}", frame.scale.format(target)),
            ));
        }
        for (s, line) in series.iter().enumerate() {
            let colour = FILLS[s % FILLS.len()];
            let coordinates: Vec<(f64, f64)> = line
                .points
                .iter()
                .map(|(date, value)| (x_of(*date), plot.y(*value)))
                .collect();
            if coordinates.len() > 1 {
                let points: Vec<String> = coordinates
                    .iter()
                    .map(|(x, y)| format!("{x:.1},{y:.1}"))
                    .collect();
                body.push_str(&format!(
                    r#"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="2"{}/>"#,
                    points.join(" "),
                    dash(s),
                ));
            }
            for ((date, value), (x, y)) in line.points.iter().zip(&coordinates) {
                body.push_str(&marker(
                    s,
                    *x,
                    *y,
                    &format!(
                        "{} – {}: {}",
                        line.name,
                        date_label(*date),
                        frame.scale.format(*value)
                    ),
                ));
            }
        }
        body.push_str(&line_legend(
            series,
            target.map(|t| format!("Target ({})", frame.scale.format(t))),
            height - 14.0,
        ));
        let mut columns = vec![date_heading.to_owned()];
        columns.extend(series.iter().map(|s| s.name.to_owned()));
        if target.is_some() {
            columns.push("Target".to_owned());
        }
        let rows = dates
            .iter()
            .map(|date| {
                let mut row = vec![date_label(*date)];
                row.extend(series.iter().map(|s| {
                    // The day's last value, should a day have two.
                    let value = s.points.iter().rev().find(|(d, _)| d == date);
                    cell(frame, value.map(|(_, v)| *v))
                }));
                if let Some(target) = target {
                    row.push(frame.scale.format(target));
                }
                row
            })
            .collect();
        Chart::assemble(frame, height, body, DataTable { columns, rows })
    }

    fn assemble(frame: &Frame, height: f64, body: String, table: DataTable) -> Chart {
        let id = slug(frame.id);
        let svg = format!(
            concat!(
                r#"<svg class="chart" role="img" viewBox="0 0 {width} {height:.0}" "#,
                r#"aria-labelledby="{id}-title {id}-desc" xmlns="http://www.w3.org/2000/svg">"#,
                r#"<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>"#,
                "{defs}{body}</svg>"
            ),
            width = WIDTH,
            height = height,
            id = id,
            title = escape(frame.title),
            desc = escape(frame.description),
            defs = defs(&id),
            body = body.replace("url(#", &format!("url(#{id}-")),
        );
        Chart {
            id,
            title: frame.title.to_owned(),
            description: frame.description.to_owned(),
            svg,
            table,
        }
    }

    pub fn title(&self) -> &str {
        &self.title
    }

    /// The SVG element alone (for a page that lays out its own figure).
    pub fn svg(&self) -> &str {
        &self.svg
    }

    /// The figures the chart draws.
    pub fn table(&self) -> &DataTable {
        &self.table
    }
}

/// The whole figure: caption, SVG and the table it draws.
impl fmt::Display for Chart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            r#"<figure class="chart" id="{id}"><figcaption><strong>{title}</strong> <span class="muted">{desc}</span></figcaption>{svg}<details class="chart-data"><summary>The figures as a table</summary><table><caption>{title}</caption><thead><tr>"#,
            id = self.id,
            title = escape(&self.title),
            desc = escape(&self.description),
            svg = self.svg,
        )?;
        for column in &self.table.columns {
            write!(f, r#"<th scope="col">{}</th>"#, escape(column))?;
        }
        f.write_str("</tr></thead><tbody>")?;
        for row in &self.table.rows {
            f.write_str("<tr>")?;
            for (i, value) in row.iter().enumerate() {
                if i == 0 {
                    write!(f, r#"<th scope="row">{}</th>"#, escape(value))?;
                } else {
                    write!(f, "<td>{}</td>", escape(value))?;
                }
            }
            f.write_str("</tr>")?;
        }
        f.write_str("</tbody></table></details></figure>")
    }
}

/// The plotting area of a chart with a vertical value axis.
struct Plot {
    height: f64,
    bottom: f64,
    min: f64,
    max: f64,
    step: f64,
}

impl Plot {
    fn new(height: f64, bottom: f64, scale: &Scale, values: impl Iterator<Item = f64>) -> Plot {
        let (max, step) = scale.axis(values);
        Plot {
            height,
            bottom,
            min: scale.min,
            max,
            step,
        }
    }

    fn width(&self) -> f64 {
        WIDTH - LEFT - RIGHT
    }

    fn base(&self) -> f64 {
        self.height - self.bottom
    }

    fn y(&self, value: f64) -> f64 {
        let span = (self.max - self.min).max(f64::EPSILON);
        let share = ((value - self.min) / span).clamp(0.0, 1.0);
        self.base() - share * (self.base() - TOP)
    }

    /// A grid line with its value at every step, the base line darker.
    fn axis(&self, scale: &Scale) -> String {
        let mut out = String::new();
        let steps = ((self.max - self.min) / self.step).round() as u32;
        for step in 0..=steps {
            let value = self.min + self.step * f64::from(step);
            let y = self.y(value);
            out.push_str(&format!(
                r##"<line x1="{LEFT}" x2="{:.1}" y1="{y:.1}" y2="{y:.1}" stroke="{}" stroke-width="1"/>"##,
                WIDTH - RIGHT,
                if step == 0 { "#5b6475" } else { "#d9dee7" },
            ));
            let decimals = if (value - value.round()).abs() > 1e-9 {
                scale.decimals.max(1)
            } else {
                0
            };
            out.push_str(&text(
                LEFT - 6.0,
                y + 4.0,
                "end",
                "axis",
                &format!("{value:.decimals$}"),
            ));
        }
        out
    }
}

/// Patterns per series, scoped to the chart by its id (see `assemble`).
fn defs(id: &str) -> String {
    format!(
        concat!(
            "<defs>{0}",
            r##"<pattern id="{id}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="{1}"/><line x1="0" y1="0" x2="0" y2="6" stroke="#fff" stroke-width="2"/></pattern>"##,
            r##"<pattern id="{id}-dots" width="6" height="6" patternUnits="userSpaceOnUse"><rect width="6" height="6" fill="{2}"/><circle cx="3" cy="3" r="1.4" fill="#fff"/></pattern>"##,
            r##"<pattern id="{id}-cross" width="6" height="6" patternUnits="userSpaceOnUse"><rect width="6" height="6" fill="{3}"/><path d="M0 3H6M3 0V6" stroke="#fff" stroke-width="1"/></pattern>"##,
            "</defs>"
        ),
        "",
        FILLS[1],
        FILLS[2],
        FILLS[3],
        id = id,
    )
}

/// The fill of series `s`: a plain colour for the first, a pattern over a colour for the
/// others (`url(#…)` is scoped to the chart by `assemble`).
fn fill(s: usize) -> String {
    match PATTERNS[s % PATTERNS.len()] {
        "" => FILLS[s % FILLS.len()].to_owned(),
        pattern => format!("url(#{pattern})"),
    }
}

fn legend(series: &[&str], y: f64) -> String {
    let mut out = String::new();
    let mut x = LEFT;
    for (s, name) in series.iter().enumerate() {
        out.push_str(&format!(
            r#"<rect x="{x:.1}" y="{:.1}" width="14" height="14" fill="{}" stroke="{}"/>"#,
            y - 11.0,
            fill(s),
            FILLS[s % FILLS.len()],
        ));
        out.push_str(&text(x + 20.0, y, "start", "legend", name));
        x += 36.0 + 7.5 * name.chars().count() as f64;
    }
    out
}

/// Series of a line chart differ by line as well as colour: solid, dashed, dotted.
fn dash(s: usize) -> &'static str {
    match s % 3 {
        0 => "",
        1 => r#" stroke-dasharray="8 4""#,
        _ => r#" stroke-dasharray="2 3""#,
    }
}

/// A point of series `s`: a circle, a hollow square or a diamond, with its value as a
/// tooltip. The square is hollow, so a circle on the same day and level shows inside it.
fn marker(s: usize, x: f64, y: f64, tooltip: &str) -> String {
    let colour = FILLS[s % FILLS.len()];
    let tooltip = escape(tooltip);
    match s % 3 {
        0 => format!(
            r#"<circle cx="{x:.1}" cy="{y:.1}" r="4.5" fill="{colour}"><title>{tooltip}</title></circle>"#
        ),
        1 => format!(
            r##"<rect x="{:.1}" y="{:.1}" width="10" height="10" fill="none" stroke="{colour}" stroke-width="2.5"><title>{tooltip}</title></rect>"##,
            x - 5.0,
            y - 5.0,
        ),
        _ => format!(
            r#"<path d="M{x:.1} {:.1}L{:.1} {y:.1}L{x:.1} {:.1}L{:.1} {y:.1}Z" fill="{colour}"><title>{tooltip}</title></path>"#,
            y - 5.5,
            x + 5.5,
            y + 5.5,
            x - 5.5,
        ),
    }
}

/// The legend of a line chart: each series' line and marker, and the target's dashes.
fn line_legend(series: &[DatedSeries], target: Option<String>, y: f64) -> String {
    let mut out = String::new();
    let mut x = LEFT;
    for (s, line) in series.iter().enumerate() {
        out.push_str(&format!(
            r#"<line x1="{x:.1}" x2="{:.1}" y1="{:.1}" y2="{:.1}" stroke="{}" stroke-width="2"{}/>"#,
            x + 24.0,
            y - 4.0,
            y - 4.0,
            FILLS[s % FILLS.len()],
            dash(s),
        ));
        out.push_str(&marker(s, x + 12.0, y - 4.0, line.name));
        out.push_str(&text(x + 30.0, y, "start", "legend", line.name));
        x += 50.0 + 7.5 * line.name.chars().count() as f64;
    }
    if let Some(target) = target {
        out.push_str(&format!(
            r#"<line x1="{x:.1}" x2="{:.1}" y1="{:.1}" y2="{:.1}" stroke="{}" stroke-width="2" stroke-dasharray="6 4"/>"#,
            x + 24.0,
            y - 4.0,
            y - 4.0,
            FILLS[2],
        ));
        out.push_str(&text(x + 30.0, y, "start", "legend", &target));
    }
    out
}

fn series_table(
    frame: &Frame,
    label_heading: &str,
    series: &[&str],
    groups: &[Group],
) -> DataTable {
    let mut columns = vec![label_heading.to_owned()];
    columns.extend(series.iter().map(|s| (*s).to_owned()));
    let rows = groups
        .iter()
        .map(|g| {
            let mut row = vec![g.label.clone()];
            row.extend((0..series.len()).map(|s| cell(frame, g.values.get(s).copied().flatten())));
            row
        })
        .collect();
    DataTable { columns, rows }
}

fn cell(frame: &Frame, value: Option<f64>) -> String {
    value.map_or_else(|| frame.missing.to_owned(), |v| frame.scale.format(v))
}

fn text(x: f64, y: f64, anchor: &str, class: &str, content: &str) -> String {
    format!(
        r#"<text x="{x:.1}" y="{y:.1}" text-anchor="{anchor}" class="{class}" font-size="{}" fill="{}">{}</text>"#,
        if class == "label" || class == "legend" {
            12
        } else {
            11
        },
        if class == "missing" || class == "axis" {
            "#5b6475"
        } else {
            "#1d2330"
        },
        escape(content),
    )
}

/// Shows one label in `every` so that labels never overlap (five years of months).
fn label_stride(points: &[Point], slot: f64) -> usize {
    let longest = points
        .iter()
        .map(|p| p.label.chars().count())
        .max()
        .unwrap_or(0);
    let needed = 6.5 * longest as f64 + 8.0;
    if slot >= needed || points.is_empty() {
        1
    } else {
        (needed / slot).ceil() as usize
    }
}

/// 1, 2, 2.5 or 5 times a power of ten, at or above `raw`: the step between grid lines.
fn nice_step(raw: f64) -> f64 {
    if raw <= 0.0 || !raw.is_finite() {
        return 1.0;
    }
    let power = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|candidate| *candidate >= raw - 1e-9)
        .unwrap_or(10.0 * power)
}

/// An id usable in SVG and HTML: letters, digits and hyphens.
fn slug(raw: &str) -> String {
    let slug: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    format!("chart-{slug}")
}

/// Escapes text for both HTML and SVG (XML).
fn escape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(scale: Scale) -> Frame<'static> {
        Frame {
            id: "kudos per month",
            title: "Kudos per month",
            description: "How many kudos were given each month.",
            missing: "hidden for privacy (fewer than 3)",
            scale,
        }
    }

    fn months() -> Vec<Point> {
        vec![
            Point::new("Jan 2026", Some(12.0)),
            Point::new("Feb 2026", Some(30.0)),
            Point::new("Mar 2026", None),
        ]
    }

    #[test]
    fn a_chart_is_named_and_described_for_screen_readers() {
        let chart = Chart::bars(&frame(Scale::COUNT), "Month", "Kudos", &months()).to_string();
        assert!(chart.contains(r#"role="img""#));
        assert!(chart.contains(
            r#"aria-labelledby="chart-kudos-per-month-title chart-kudos-per-month-desc""#
        ));
        assert!(
            chart.contains(r#"<title id="chart-kudos-per-month-title">Kudos per month</title>"#)
        );
        assert!(chart.contains(
            "<desc id=\"chart-kudos-per-month-desc\">How many kudos were given each month.</desc>"
        ));
    }

    #[test]
    fn the_text_equivalent_holds_every_figure_the_chart_draws() {
        let chart = Chart::bars(&frame(Scale::COUNT), "Month", "Kudos", &months());
        assert_eq!(chart.table().columns, ["Month", "Kudos"]);
        assert_eq!(
            chart.table().rows,
            [
                ["Jan 2026", "12"],
                ["Feb 2026", "30"],
                ["Mar 2026", "hidden for privacy (fewer than 3)"],
            ]
        );
        let html = chart.to_string();
        assert!(html.contains(r#"<th scope="row">Feb 2026</th><td>30</td>"#));
        // Two drawn bars, none for the missing month.
        assert_eq!(html.matches("<rect x=").count(), 2);
    }

    #[test]
    fn text_in_a_chart_is_escaped() {
        let points = vec![Point::new("<script>alert(1)</script>", Some(1.0))];
        let mut f = frame(Scale::COUNT);
        f.title = "A & B <b>";
        let html = Chart::bars(&f, "Who", "Count", &points).to_string();
        assert!(!html.contains("<script>"));
        assert!(!html.contains("<b>"));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("A &amp; B &lt;b&gt;"));
    }

    #[test]
    fn grouped_bars_show_each_series_with_a_legend() {
        let groups = vec![
            Group::new("Technical", vec![Some(2.5), Some(3.1), Some(4.0)]),
            Group::new("Communication", vec![None, None, None]),
        ];
        let chart = Chart::grouped_bars(
            &frame(Scale::LEVEL),
            "Category",
            &["Baseline", "Current", "Target"],
            &groups,
        );
        assert_eq!(chart.table().rows[0], ["Technical", "2.5", "3.1", "4.0"]);
        assert_eq!(
            chart.table().rows[1][1],
            "hidden for privacy (fewer than 3)"
        );
        let svg = chart.svg();
        for name in ["Baseline", "Current", "Target"] {
            assert!(
                svg.contains(&format!(">{name}</text>")),
                "legend names {name}"
            );
        }
        // Patterns are scoped to this chart, so two charts on a page do not share ids.
        assert!(svg.contains("url(#chart-kudos-per-month-hatch)"));
        assert!(svg.contains(r#"<pattern id="chart-kudos-per-month-hatch""#));
    }

    #[test]
    fn a_stacked_row_with_a_hidden_part_is_hidden_whole() {
        let groups = vec![
            Group::new("G1.1", vec![Some(2.0), Some(1.0), Some(1.0)]),
            Group::new("G1.2", vec![Some(2.0), None, Some(1.0)]),
            Group::new("G1.3", vec![Some(0.0), Some(0.0), Some(0.0)]),
        ];
        let chart = Chart::stacked_bars(
            &frame(Scale::COUNT),
            "Objective",
            &["Achieved", "Partly", "Not"],
            &groups,
        );
        let svg = chart.svg();
        // Three segments for G1.1 only, plus three legend swatches.
        assert_eq!(svg.matches("<rect x=").count(), 3 + 3);
        assert!(svg.contains(">hidden for privacy (fewer than 3)</text>"));
        assert!(svg.contains(">none</text>"));
    }

    #[test]
    fn a_line_breaks_at_gaps_and_draws_its_target() {
        let points = vec![
            Point::new("Jan", Some(3.9)),
            Point::new("Feb", Some(4.1)),
            Point::new("Mar", None),
            Point::new("Apr", Some(4.4)),
        ];
        let chart = Chart::line(
            &frame(Scale::RATING),
            "Month",
            "Mean rating",
            &points,
            Some(4.5),
        );
        let svg = chart.svg();
        assert_eq!(
            svg.matches("<polyline").count(),
            1,
            "April stands alone after the gap"
        );
        assert_eq!(svg.matches(r#"r="4""#).count(), 3);
        assert!(svg.contains("target 4.5"));
        assert_eq!(chart.table().columns, ["Month", "Mean rating", "Target"]);
        assert_eq!(
            chart.table().rows[2],
            ["Mar", "hidden for privacy (fewer than 3)", "4.5"]
        );
    }

    #[test]
    fn dated_lines_place_points_by_date_and_name_every_series() {
        let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
        let own = DatedSeries {
            name: "Self",
            points: vec![(day(1, 10), 2.0), (day(6, 1), 3.0)],
        };
        let manager = DatedSeries {
            name: "Manager",
            points: vec![(day(3, 1), 2.0)],
        };
        let frame = Frame {
            id: "skill 4",
            title: "Networking over time",
            description: "Self and manager assessments.",
            missing: "–",
            scale: Scale::WHOLE_LEVEL,
        };
        let chart = Chart::dated_lines(&frame, "Assessed on", &[own, manager], Some(4.0), |d| {
            d.to_string()
        });
        assert_eq!(
            chart.table().columns,
            ["Assessed on", "Self", "Manager", "Target"]
        );
        assert_eq!(
            chart.table().rows,
            [
                ["2026-01-10", "2", "–", "4"],
                ["2026-03-01", "–", "2", "4"],
                ["2026-06-01", "3", "–", "4"],
            ]
        );
        let svg = chart.svg();
        // Axes: levels 1 to 5 and the dates; the legend names both series and the target.
        for label in [
            ">1</text>",
            ">5</text>",
            ">Level</text>",
            ">2026-01-10</text>",
        ] {
            assert!(svg.contains(label), "{label}");
        }
        for name in [">Self</text>", ">Manager</text>", ">Target (4)</text>"] {
            assert!(svg.contains(name), "legend {name}");
        }
        assert_eq!(
            svg.matches("<polyline").count(),
            1,
            "one point draws no line"
        );
        assert!(svg.contains(r#"class="target""#));
        // March sits nearer January than June: placed by date, not by order.
        let x = |needle: &str| -> f64 {
            let at = svg.find(needle).unwrap();
            let before = &svg[..at];
            let start = before.rfind("x1=\"").unwrap() + 4;
            before[start..].split('"').next().unwrap().parse().unwrap()
        };
        let (jan, mar, jun) = (
            x(">2026-01-10</text>"),
            x(">2026-03-01</text>"),
            x(">2026-06-01</text>"),
        );
        assert!(mar - jan < jun - mar, "{jan} {mar} {jun}");
    }

    #[test]
    fn axes_round_up_to_a_readable_maximum() {
        let count = |highest: f64| Scale::COUNT.axis(std::iter::once(highest));
        assert_eq!(count(0.0), (1.0, 1.0), "an empty chart still has an axis");
        assert_eq!(count(3.0), (3.0, 1.0), "counts step by whole numbers");
        assert_eq!(count(7.0), (8.0, 2.0));
        assert_eq!(count(42.0), (50.0, 10.0));
        assert_eq!(count(480.0), (500.0, 100.0));
        assert_eq!(Scale::LEVEL.axis(std::iter::empty()), (5.0, 1.0));
        assert_eq!(Scale::RATING.axis(std::iter::empty()), (5.0, 1.0));
        assert_eq!(Scale::PERCENT.axis(std::iter::empty()), (100.0, 20.0));
        // Sixty months on 584 units: one label in five.
        let months = |n: usize| vec![Point::new("Jan 26", None); n];
        assert_eq!(label_stride(&months(60), 584.0 / 60.0), 5);
        assert_eq!(label_stride(&months(12), 584.0 / 12.0), 1);
    }
}

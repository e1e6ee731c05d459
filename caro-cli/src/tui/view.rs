//! Drawing: the query line with the current modes, one row per command
//! (when, where, exit, duration, risk, the command), the inspector, and the
//! key line. Commands are drawn with control characters escaped, so a stored
//! escape sequence cannot drive the terminal.

use std::collections::HashMap;

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use super::app::App;
use crate::safety::RiskLevel;
use crate::store::HistoryEntry;
use crate::time::local_time;
use crate::time::{format_age, format_elapsed};

const KEYS: &str =
    "Enter run  Tab edit  ^S search mode  ^R filter  ^O inspect  ^D delete  Esc quit";

pub fn draw(frame: &mut Frame<'_>, app: &App) {
    let [top, body, bottom] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(frame.area());
    frame.render_widget(query_line(app, top.width), top);
    match &app.inspected {
        Some((entry, uses)) => draw_inspector(frame, body, entry, *uses, &app.devices),
        None => draw_rows(frame, body, app),
    }
    let footer = match (&app.confirm, &app.message) {
        (Some(c), _) => Line::styled(
            format!(
                "delete {} entr{} of `{}` on every device? y/n",
                c.ids.len(),
                if c.ids.len() == 1 { "y" } else { "ies" },
                printable(&c.command)
            ),
            Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
        ),
        (None, Some(message)) => Line::raw(message.as_str()),
        (None, None) => Line::styled(KEYS, Style::new().add_modifier(Modifier::DIM)),
    };
    frame.render_widget(Paragraph::new(footer), bottom);
}

fn query_line(app: &App, width: u16) -> Paragraph<'static> {
    let count = match &app.results {
        Some(r) if r.complete => format!("{} matches", group_digits(r.matched)),
        Some(r) => format!("{}+ matches, loading", group_digits(r.matched)),
        None => "loading".to_string(),
    };
    let modes = format!("[{}] [{}] ", app.mode_label(), app.filter.label());
    let query = format!("> {}", printable(&app.query));
    let used = modes.chars().count() + query.chars().count() + count.len() + 1;
    let pad = usize::from(width).saturating_sub(used).max(1);
    Paragraph::new(Line::from(vec![
        Span::styled(modes, Style::new().fg(Color::Cyan)),
        Span::styled(query, Style::new().add_modifier(Modifier::BOLD)),
        Span::raw("█"),
        Span::raw(" ".repeat(pad)),
        Span::styled(count, Style::new().add_modifier(Modifier::DIM)),
    ]))
}

fn draw_rows(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let rows = app.results.as_ref().map_or(&[][..], |r| &r.rows[..]);
    let height = usize::from(area.height);
    let lines: Vec<Line<'_>> = rows
        .iter()
        .enumerate()
        .skip(app.offset)
        .take(height)
        .map(|(i, row)| {
            let device = app.devices.get(&row.device_id).map_or("?", String::as_str);
            let exit = row
                .exit_code
                .map_or_else(|| "-".to_string(), |c| c.to_string());
            let took = row
                .duration_ms
                .map_or_else(|| "-".to_string(), format_elapsed);
            let mut spans = vec![
                Span::raw(if i == app.selected { "> " } else { "  " }),
                Span::styled(
                    format!("{:>9} ", format_age(row.created_at, app.now_ms)),
                    Style::new().fg(Color::Blue),
                ),
                Span::raw(format!("{:<12.12} ", device)),
                Span::styled(
                    format!("{exit:>4} "),
                    if row.exit_code.is_some_and(|c| c != 0) {
                        Style::new().fg(Color::Red)
                    } else {
                        Style::new()
                    },
                ),
                Span::raw(format!("{took:>7}  ")),
            ];
            if row.level != RiskLevel::Safe {
                spans.push(Span::styled(
                    format!("[{}] ", row.level),
                    risk_style(row.level),
                ));
            }
            spans.push(Span::raw(printable(&row.command)));
            let line = Line::from(spans);
            if i == app.selected {
                line.style(Style::new().add_modifier(Modifier::REVERSED))
            } else {
                line
            }
        })
        .collect();
    if lines.is_empty() {
        let note = if app.results.is_some() {
            "  no matches"
        } else {
            ""
        };
        frame.render_widget(Paragraph::new(note), area);
        return;
    }
    frame.render_widget(Paragraph::new(lines), area);
}

fn draw_inspector(
    frame: &mut Frame<'_>,
    area: Rect,
    e: &HistoryEntry,
    uses: usize,
    devices: &HashMap<String, String>,
) {
    let opt = |v: &Option<String>| v.as_deref().map_or_else(|| "-".to_string(), printable);
    let device = devices.get(&e.device_id).cloned().unwrap_or_default();
    let mut lines = vec![
        Line::styled(
            printable(&e.command),
            Style::new().add_modifier(Modifier::BOLD),
        ),
        Line::raw(""),
        Line::raw(format!("id          {}", e.id)),
        Line::raw(format!(
            "when        {} ({})",
            local_time(e.created_at),
            format_age(e.created_at, crate::time::now_ms())
        )),
        Line::raw(format!("device      {device} ({})", e.device_id)),
        Line::raw(format!("host        {}", opt(&e.hostname))),
        Line::raw(format!("session     {}", opt(&e.session_id))),
        Line::raw(format!("directory   {}", opt(&e.cwd))),
        Line::raw(format!("shell       {}", opt(&e.shell))),
        Line::raw(format!(
            "exit        {}",
            e.exit_code
                .map_or_else(|| "-".to_string(), |c| c.to_string())
        )),
        Line::raw(format!(
            "duration    {}",
            e.duration_ms
                .map_or_else(|| "-".to_string(), format_elapsed)
        )),
        Line::raw(format!(
            "used        {uses} time{}",
            if uses == 1 { "" } else { "s" }
        )),
        Line::raw(format!("prompt      {}", opt(&e.prompt))),
        Line::raw(format!("explanation {}", opt(&e.explanation))),
        Line::from(vec![
            Span::raw("risk        "),
            Span::styled(e.safety_level.to_string(), risk_style(e.safety_level)),
        ]),
    ];
    for warning in &e.safety_warnings {
        lines.push(Line::styled(
            format!("  ! {}", printable(warning)),
            risk_style(e.safety_level),
        ));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        "Esc or ^O back to the list",
        Style::new().add_modifier(Modifier::DIM),
    ));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}

fn risk_style(level: RiskLevel) -> Style {
    match level {
        RiskLevel::Safe => Style::new().fg(Color::Green),
        RiskLevel::Moderate => Style::new().fg(Color::Yellow),
        RiskLevel::High | RiskLevel::Critical => {
            Style::new().fg(Color::Red).add_modifier(Modifier::BOLD)
        }
    }
}

/// `text` with control characters written as escapes (`\n`, `\t`, `\u{1b}`).
pub fn printable(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_string();
    }
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

fn group_digits(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(printable("ls\n\x1b[2J\t"), "ls\\n\\u{1b}[2J\\t");
        assert_eq!(printable("plain é"), "plain é");
        assert_eq!(group_digits(1_234_567), "1,234,567");
        assert_eq!(group_digits(12), "12");
    }
}

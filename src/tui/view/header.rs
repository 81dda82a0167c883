//! The header: where we are, the rule, the bucket's totals, and what the marks would
//! reclaim (with the estimated monthly saving), plus the versioning warning.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::{spinner, Theme};
use crate::format::{bytes, count, printable};
use crate::tui::app::{App, HeaderLine, ListingState, VersioningState};
use crate::tui::words::plural;

pub fn render(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let status = match &app.versioning {
        VersioningState::Known(v) => v.as_str(),
        _ => "",
    };
    let lines: Vec<Line> = app
        .header_lines()
        .into_iter()
        .map(|line| match line {
            HeaderLine::Title => title_bar(app, theme, area.width),
            HeaderLine::Target => Line::from(vec![
                Span::styled(" target  ", theme.label()),
                Span::raw(clip(
                    &format!(
                        "{} ({} of {}) · t/T next / previous",
                        printable(&app.targets[app.target].name),
                        app.target + 1,
                        app.targets.len()
                    ),
                    area.width.saturating_sub(9),
                )),
            ]),
            HeaderLine::Rule => Line::from(vec![
                Span::styled(" rule    ", theme.label()),
                Span::raw(printable(&app.rule_text()).into_owned()),
            ]),
            HeaderLine::Live => live_line(app, theme, area.width),
            HeaderLine::LiveWarning(i) => Line::styled(
                clip(
                    &format!(" ⚠ {}", printable(&app.live.warnings()[i])),
                    area.width,
                ),
                theme.warn(),
            ),
            HeaderLine::MoreLiveWarnings(n) => Line::styled(
                clip(
                    &format!(
                        " ⚠ and {n} more warnings about live deployments (s3prune plan prints them all)"
                    ),
                    area.width,
                ),
                theme.warn(),
            ),
            HeaderLine::Bucket => bucket_line(app, theme),
            HeaderLine::Marked => marked_line(app, theme, area.width),
            HeaderLine::ReclaimsNothing => Line::styled(
                format!(" ⚠ versioning {status}: deleting only adds delete markers and reclaims nothing (--all-versions removes every version)"),
                theme.warn(),
            ),
            HeaderLine::RemovesEveryVersion => Line::styled(
                format!(" ⚠ versioning {status} + --all-versions: sizes count every version; deleting removes all versions for good"),
                theme.warn(),
            ),
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), area);
}

/// `text`, ending in `…` if it is wider than `width`.
fn clip(text: &str, width: u16) -> String {
    let width = width as usize;
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut clipped: String = text.chars().take(width.saturating_sub(1)).collect();
    clipped.push('…');
    clipped
}

/// `live    deploy-3 ← current.txt · deploy-9 ← index.html`, as many as fit, then
/// `+N more`.
fn live_line(app: &App, theme: &Theme, width: u16) -> Line<'static> {
    const LABEL: &str = " live    ";
    let entries: Vec<(String, String)> = app
        .live
        .iter()
        .map(|(name, sources)| {
            let sources: Vec<String> = sources.iter().map(|s| printable(s).into_owned()).collect();
            (printable(name).into_owned(), sources.join(", "))
        })
        .collect();
    let budget = (width as usize).saturating_sub(LABEL.len() + 1);
    let shown = entries_that_fit(&entries, budget);
    let mut spans = vec![Span::styled(LABEL, theme.label())];
    for (i, (name, sources)) in entries[..shown].iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw(" · "));
        }
        spans.push(Span::styled(name.clone(), theme.ok()));
        spans.push(Span::raw(format!(" ← {sources}")));
    }
    if shown < entries.len() {
        let sep = if shown > 0 { " · " } else { "" };
        spans.push(Span::styled(
            format!("{sep}+{} more", entries.len() - shown),
            theme.dim(),
        ));
    }
    Line::from(spans)
}

/// How many of `entries` (name, sources) fit in `budget` columns, leaving room for
/// ` · +N more` when not all do.
fn entries_that_fit(entries: &[(String, String)], budget: usize) -> usize {
    let len = |(name, sources): &(String, String)| {
        name.chars().count() + " ← ".chars().count() + sources.chars().count()
    };
    let mut used = 0;
    for (i, entry) in entries.iter().enumerate() {
        let sep = if i > 0 { 3 } else { 0 };
        used += sep + len(entry);
        let rest = entries.len() - i - 1;
        let more = if rest == 0 {
            0
        } else {
            format!(" · +{rest} more").chars().count()
        };
        if used + more > budget {
            return i;
        }
    }
    entries.len()
}

fn title_bar(app: &App, theme: &Theme, width: u16) -> Line<'static> {
    let location = format!("s3://{}/{}", app.info.bucket, printable(&app.info.root));
    let versioning = match &app.versioning {
        VersioningState::Unknown => "versioning …".to_string(),
        VersioningState::Known(v) => format!("versioning {}", v.as_str()),
        VersioningState::Failed(_) => "versioning unknown".to_string(),
    };
    let region = app.info.region.clone().unwrap_or_else(|| "region …".into());
    let status = match &app.listing {
        ListingState::Listing { discovered } => {
            let listed = app.totals.deployments;
            match discovered {
                Some(total) => format!("{} listing {listed}/{total} ", spinner(app.now)),
                None => format!("{} listing ", spinner(app.now)),
            }
        }
        ListingState::Done => String::new(),
        ListingState::Failed(_) => "listing failed ".to_string(),
    };
    // Drop the least important parts first when the terminal is narrow.
    let candidates = [
        vec![
            location.clone(),
            app.info.endpoint.clone(),
            region.clone(),
            versioning.clone(),
        ],
        vec![
            location.clone(),
            app.info.endpoint.clone(),
            versioning.clone(),
        ],
        vec![location.clone(), versioning.clone()],
        vec![location.clone()],
    ];
    let budget = (width as usize).saturating_sub(status.chars().count() + 10);
    let parts = candidates
        .iter()
        .find(|parts| parts.iter().map(|p| p.chars().count() + 3).sum::<usize>() <= budget)
        .unwrap_or(&candidates[3]);
    let left = format!(" s3prune │ {}", parts.join(" · "));
    let pad = (width as usize).saturating_sub(left.chars().count() + status.chars().count());
    Line::styled(
        format!("{left}{}{status}", " ".repeat(pad)),
        theme.title_bar(),
    )
}

fn bucket_line(app: &App, theme: &Theme) -> Line<'static> {
    let t = app.totals;
    let mut spans = vec![Span::styled(" bucket  ", theme.label())];
    let deployments = plural(t.deployments, "deployment");
    spans.push(Span::styled(deployments, theme.bold()));
    spans.push(Span::raw(format!(
        " · {} {} · {}",
        count(t.objects),
        if app.all_versions {
            "object versions"
        } else {
            "objects"
        },
        bytes(t.bytes)
    )));
    if app.is_listing() {
        spans.push(Span::styled(" so far", theme.dim()));
    }
    let uploads = app.incomplete_uploads();
    if uploads > 0 {
        spans.push(Span::raw(format!(
            " · {}",
            plural(uploads, "incomplete upload")
        )));
    }
    let root = &app.root_objects;
    if root.objects > 0 {
        spans.push(Span::styled(
            format!(
                "   + {} ({}), never deleted",
                plural(root.objects, "root-level object"),
                bytes(root.bytes)
            ),
            theme.dim(),
        ));
    }
    Line::from(spans)
}

fn marked_line(app: &App, theme: &Theme, width: u16) -> Line<'static> {
    let m = app.marks.totals();
    let mut spans = vec![Span::styled(" marked  ", theme.label())];
    let deployments = plural(m.deployments, "deployment");
    spans.push(Span::styled(
        deployments,
        if m.deployments > 0 {
            theme.delete()
        } else {
            theme.bold()
        },
    ));
    spans.push(Span::raw(format!(
        " · {} {} · {}",
        count(m.objects),
        if app.all_versions {
            "object versions"
        } else {
            "objects"
        },
        bytes(m.bytes)
    )));
    if m.manual > 0 {
        spans.push(Span::raw(format!(" ({} changed by hand)", count(m.manual))));
    }
    let cost = app.marked_cost();
    let saving = match app.reclaims_nothing() {
        true => "  → reclaims nothing (versioned bucket)".to_string(),
        _ if width < 100 => format!("  → saves {}/month", dollars(cost.monthly_usd)),
        _ if cost.other_class_bytes == 0 => format!(
            "  → saves {}/month at ${}/GB-month",
            dollars(cost.monthly_usd),
            trim_price(app.info.price_per_gb)
        ),
        // Priced per storage class: no one price to name.
        _ => format!("  → saves {}/month", dollars(cost.monthly_usd)),
    };
    spans.push(Span::styled(saving, theme.ok()));
    if cost.early_deletion_usd > 0.0 {
        spans.push(Span::styled(
            format!(" · early deletion {}", dollars(cost.early_deletion_usd)),
            theme.delete(),
        ));
    }
    if cost.incomplete_uploads > 0 {
        spans.push(Span::raw(format!(
            " · aborts {} upload{}",
            count(cost.incomplete_uploads),
            if cost.incomplete_uploads == 1 {
                ""
            } else {
                "s"
            }
        )));
    }
    if app.is_listing() {
        spans.push(Span::styled("  (provisional until listed)", theme.dim()));
    }
    Line::from(spans)
}

/// `≈ $12.34`, `< $0.01`, `$0`.
pub fn dollars(amount: f64) -> String {
    if amount <= 0.0 {
        "$0".into()
    } else if amount < 0.01 {
        "< $0.01".into()
    } else {
        format!("≈ ${amount:.2}")
    }
}

fn trim_price(price: f64) -> String {
    let text = format!("{price:.4}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money() {
        assert_eq!(dollars(0.0), "$0");
        assert_eq!(dollars(0.004), "< $0.01");
        assert_eq!(dollars(12.346), "≈ $12.35");
        assert_eq!(trim_price(0.023), "0.023");
        assert_eq!(trim_price(1.0), "1");
    }

    #[test]
    fn clipping_marks_the_cut() {
        assert_eq!(clip("abcdef", 6), "abcdef");
        assert_eq!(clip("abcdef", 4), "abc…");
        assert_eq!(clip("abcdef", 0), "…");
    }

    #[test]
    fn live_entries_fit_the_width_with_room_for_the_rest() {
        let entries: Vec<(String, String)> = ["deploy-3", "deploy-9", "deploy-12"]
            .iter()
            .map(|n| (n.to_string(), "index.html".to_string()))
            .collect();
        // "deploy-3 ← index.html" is 21 columns, separators 3, " · +1 more" 10.
        assert_eq!(entries_that_fit(&entries, 200), 3);
        assert_eq!(entries_that_fit(&entries, 21 + 3 + 21 + 3 + 22), 3);
        // Two fit, but not with " · +1 more" after them.
        assert_eq!(entries_that_fit(&entries, 21 + 3 + 21 + 5), 1);
        assert_eq!(entries_that_fit(&entries, 21 + 3 + 21 + 10), 2);
        assert_eq!(entries_that_fit(&entries, 10), 0);
    }
}

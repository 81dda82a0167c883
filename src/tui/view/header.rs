//! The header: where we are, the rule, the bucket's totals, and what the marks would
//! reclaim (with the estimated monthly saving), plus the versioning warning.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::{spinner, Theme};
use crate::format::{bytes, count, printable};
use crate::tui::app::{App, ListingState, VersioningState};

pub fn render(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let mut lines = vec![title_bar(app, theme, area.width)];
    lines.push(Line::from(vec![
        Span::styled(" rule    ", theme.label()),
        Span::raw(printable(&app.rule_text()).into_owned()),
    ]));
    lines.push(bucket_line(app, theme));
    lines.push(marked_line(app, theme, area.width));
    let status = match &app.versioning {
        VersioningState::Known(v) => v.as_str(),
        _ => "",
    };
    if app.reclaims_nothing() {
        lines.push(Line::styled(
            format!(" ⚠ versioning {status}: deleting only adds delete markers and reclaims nothing (--all-versions removes every version)"),
            theme.warn(),
        ));
    } else if app.all_versions && app.versioning.keeps_old_versions() == Some(true) {
        lines.push(Line::styled(
            format!(" ⚠ versioning {status} + --all-versions: sizes count every version; deleting removes all versions for good"),
            theme.warn(),
        ));
    }
    frame.render_widget(Paragraph::new(lines), area);
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
    let deployments = format!(
        "{} deployment{}",
        count(t.deployments),
        if t.deployments == 1 { "" } else { "s" }
    );
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
    let root = &app.root_objects;
    if root.objects > 0 {
        spans.push(Span::styled(
            format!(
                "   + {} root-level object{} ({}), never deleted",
                count(root.objects),
                if root.objects == 1 { "" } else { "s" },
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
    let deployments = format!(
        "{} deployment{}",
        count(m.deployments),
        if m.deployments == 1 { "" } else { "s" }
    );
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
    let saving = match app.reclaims_nothing() {
        true => "  → reclaims nothing (versioned bucket)".to_string(),
        _ if width < 100 => format!("  → saves {}/month", dollars(app.monthly_saving(m.bytes))),
        _ => format!(
            "  → saves {}/month at ${}/GB-month",
            dollars(app.monthly_saving(m.bytes)),
            trim_price(app.info.price_per_gb)
        ),
    };
    spans.push(Span::styled(saving, theme.ok()));
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
}

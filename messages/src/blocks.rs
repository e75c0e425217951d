//! Small Block Kit helpers over slack-morphism's models, so templates read as content.

use slack_morphism::prelude::*;

use crate::limits::{self, cut};

pub type Block = SlackBlock;

pub fn header(text: &str) -> Block {
    // Plain text, but keep Slack's control syntax out of it entirely.
    let t: String = text
        .chars()
        .map(|c| match c {
            '<' => '‹',
            '>' => '›',
            c => c,
        })
        .collect();
    SlackHeaderBlock::new(pt!(cut(&t, limits::HEADER_TEXT))).into()
}

pub fn section(mrkdwn: impl Into<String>) -> Block {
    let t: String = mrkdwn.into();
    SlackSectionBlock::new()
        .with_text(md!(cut(&t, limits::SECTION_TEXT)))
        .into()
}

/// A section with two-column fields.
pub fn fields(items: &[(String, String)]) -> Block {
    let f: Vec<SlackBlockText> = items
        .iter()
        .take(limits::SECTION_FIELDS)
        .map(|(k, v)| md!(cut(&format!("*{k}*\n{v}"), limits::FIELD_TEXT)))
        .collect();
    SlackSectionBlock::new().with_fields(f).into()
}

pub fn context(mrkdwn: impl Into<String>) -> Block {
    let t: String = mrkdwn.into();
    SlackContextBlock::new(vec![SlackContextBlockElement::MarkDown(
        SlackBlockMarkDownText::new(cut(&t, limits::CONTEXT_TEXT)),
    )])
    .into()
}

pub fn divider() -> Block {
    SlackDividerBlock::new().into()
}

#[derive(Clone, Copy)]
pub enum Style {
    Default,
    Primary,
    Danger,
}

pub fn button(action_id: &str, text: &str, value: &str, style: Style) -> SlackActionBlockElement {
    let mut b = SlackBlockButtonElement::new(pt!(text.to_string()))
        .with_action_id(action_id.into())
        .with_value(value.to_string());
    match style {
        Style::Primary => b = b.with_style(SlackBlockButtonStyle::Primary),
        Style::Danger => b = b.with_style(SlackBlockButtonStyle::Danger),
        Style::Default => {}
    }
    SlackActionBlockElement::Button(b)
}

pub fn actions(block_id: &str, elements: Vec<SlackActionBlockElement>) -> Block {
    SlackActionsBlock::new(elements)
        .with_block_id(block_id.into())
        .into()
}

pub fn text_input(
    block_id: &str,
    action_id: &str,
    label: &str,
    multiline: bool,
    optional: bool,
    initial: Option<&str>,
) -> Block {
    let mut el = SlackBlockPlainTextInputElement::new()
        .with_action_id(action_id.into())
        .with_multiline(multiline);
    if let Some(i) = initial {
        el = el.with_initial_value(i.to_string());
    }
    SlackInputBlock::new(
        pt!(label.to_string()),
        SlackInputBlockElement::PlainTextInput(el),
    )
    .with_block_id(block_id.into())
    .with_optional(optional)
    .into()
}

pub fn select_input(
    block_id: &str,
    action_id: &str,
    label: &str,
    options: &[(&str, &str)],
    initial: Option<&str>,
) -> Block {
    let items: Vec<SlackBlockChoiceItem<SlackBlockPlainTextOnly>> = options
        .iter()
        .map(|(value, text)| SlackBlockChoiceItem::new(pt!(text.to_string()), value.to_string()))
        .collect();
    let mut el = SlackBlockStaticSelectElement::new()
        .with_action_id(action_id.into())
        .with_options(items.clone());
    if let Some(i) = initial.and_then(|i| items.iter().find(|c| c.value == i)) {
        el = el.with_initial_option(i.clone());
    }
    SlackInputBlock::new(
        pt!(label.to_string()),
        SlackInputBlockElement::StaticSelect(el),
    )
    .with_block_id(block_id.into())
    .into()
}

pub fn user_input(block_id: &str, action_id: &str, label: &str, optional: bool) -> Block {
    let el = SlackBlockUsersSelectElement::new().with_action_id(action_id.into());
    SlackInputBlock::new(
        pt!(label.to_string()),
        SlackInputBlockElement::UsersSelect(el),
    )
    .with_block_id(block_id.into())
    .with_optional(optional)
    .into()
}

/// A modal view as JSON (for `views.open`).
pub fn modal(
    callback_id: &str,
    title: &str,
    submit: &str,
    private_metadata: &str,
    blocks: Vec<Block>,
) -> serde_json::Value {
    let v = SlackModalView::new(pt!(title.chars().take(24).collect::<String>()), blocks)
        .with_callback_id(callback_id.into())
        .with_submit(pt!(submit.to_string()))
        .with_private_metadata(private_metadata.to_string());
    let mut v = serde_json::to_value(SlackView::Modal(v)).expect("view serializes");
    limits::fit_view(&mut v);
    v
}

/// A Home tab view as JSON (for `views.publish`).
pub fn home(blocks: Vec<Block>) -> serde_json::Value {
    let mut v =
        serde_json::to_value(SlackView::Home(SlackHomeView::new(blocks))).expect("view serializes");
    limits::fit_view(&mut v);
    v
}

pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

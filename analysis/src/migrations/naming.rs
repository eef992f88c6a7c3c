//! Django's `Migration.suggest_name()`.

use super::autodetect::Op;

/// `timestamp` is `%Y%m%d_%H%M` from the host (analysis has no clock).
pub fn suggest_name(ops: &[Op], initial: bool, timestamp: &str) -> String {
    if initial {
        return "initial".into();
    }
    let fragments: Vec<String> = ops
        .iter()
        .map(|o| non_word_to_underscore(&o.name_fragment()))
        .collect();
    if fragments.is_empty() || fragments.iter().any(String::is_empty) {
        return format!("auto_{timestamp}");
    }
    let mut name = fragments[0].clone();
    for f in &fragments[1..] {
        let new_name = format!("{name}_{f}");
        if new_name.chars().count() > 52 {
            name = format!("{name}_and_more");
            break;
        }
        name = new_name;
    }
    name
}

/// `re.sub(r"\W+", "_", name)`.
fn non_word_to_underscore(s: &str) -> String {
    let mut out = String::new();
    let mut in_run = false;
    for c in s.chars() {
        if c.is_alphanumeric() || c == '_' {
            out.push(c);
            in_run = false;
        } else if !in_run {
            out.push('_');
            in_run = true;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrations::state::FieldDef;

    fn add(model: &str, name: &str) -> Op {
        Op::AddField {
            model_name: model.into(),
            name: name.into(),
            field: FieldDef {
                path: "django.db.models.IntegerField".into(),
                args: vec![],
                kwargs: vec![],
            },
        }
    }

    #[test]
    fn names_like_django() {
        assert_eq!(
            suggest_name(&[add("book", "isbn")], false, "x"),
            "book_isbn"
        );
        assert_eq!(
            suggest_name(&[], false, "20260101_0000"),
            "auto_20260101_0000"
        );
        let many: Vec<Op> = (0..6).map(|i| add("book", &format!("field_{i}"))).collect();
        assert_eq!(
            suggest_name(&many, false, "x"),
            "book_field_0_book_field_1_book_field_2_book_field_3_and_more"
        );
        assert_eq!(suggest_name(&[add("book", "isbn")], true, "x"), "initial");
    }
}

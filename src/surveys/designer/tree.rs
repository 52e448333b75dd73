//! Edits of the questionnaire's tree of items, with no IO: finding questions and sections,
//! moving an item up or down into and out of sections, removing one.

use duluan_forms::Form as Questionnaire;
use duluan_forms::model::{Item, Question};

pub(super) fn languages_of(form: &Questionnaire) -> Vec<String> {
    let mut langs: Vec<String> = form.languages();
    if langs.len() > 1 {
        langs.retain(|l| !l.is_empty());
    }
    if langs.is_empty() {
        langs.push(String::new());
    }
    langs
}

pub(super) fn find_question_mut<'a>(items: &'a mut [Item], name: &str) -> Option<&'a mut Question> {
    for it in items.iter_mut() {
        match it {
            Item::Question(q) if q.name == name => return Some(q),
            Item::Group(g) => {
                if let Some(q) = find_question_mut(&mut g.items, name) {
                    return Some(q);
                }
            }
            _ => {}
        }
    }
    None
}

pub(super) fn find_group_items_mut<'a>(
    items: &'a mut Vec<Item>,
    name: &str,
) -> Option<&'a mut Vec<Item>> {
    if name.is_empty() {
        return Some(items);
    }
    for it in items.iter_mut() {
        if let Item::Group(g) = it {
            if g.name == name {
                return Some(&mut g.items);
            }
            if let Some(v) = find_group_items_mut(&mut g.items, name) {
                return Some(v);
            }
        }
    }
    None
}

pub(super) fn sections_of(items: &[Item], out: &mut Vec<String>) {
    for it in items {
        if let Item::Group(g) = it {
            out.push(g.name.clone());
            sections_of(&g.items, out);
        }
    }
}

pub(super) fn find_group<'a>(items: &'a [Item], name: &str) -> Option<&'a duluan_forms::Group> {
    for it in items {
        if let Item::Group(g) = it {
            if g.name == name {
                return Some(g);
            }
            if let Some(found) = find_group(&g.items, name) {
                return Some(found);
            }
        }
    }
    None
}

pub(super) fn find_group_mut<'a>(
    items: &'a mut [Item],
    name: &str,
) -> Option<&'a mut duluan_forms::Group> {
    for it in items.iter_mut() {
        if let Item::Group(g) = it {
            if g.name == name {
                return Some(g);
            }
            if let Some(found) = find_group_mut(&mut g.items, name) {
                return Some(found);
            }
        }
    }
    None
}

/// The indices leading to the item `name` from the top of the questionnaire.
pub(super) fn locate(items: &[Item], name: &str) -> Option<Vec<usize>> {
    for (i, it) in items.iter().enumerate() {
        if it.name() == name {
            return Some(vec![i]);
        }
        if let Item::Group(g) = it
            && let Some(mut rest) = locate(&g.items, name)
        {
            rest.insert(0, i);
            return Some(rest);
        }
    }
    None
}

/// The list of items that holds the item at `path` (the questionnaire or a section's items).
pub(super) fn container_mut<'a>(
    items: &'a mut Vec<Item>,
    path: &[usize],
) -> Option<&'a mut Vec<Item>> {
    match path {
        [] | [_] => Some(items),
        [first, rest @ ..] => match items.get_mut(*first)? {
            Item::Group(g) => container_mut(&mut g.items, rest),
            Item::Question(_) => None,
        },
    }
}

/// Moves the item `name` one place up or down. Next to a section it goes into that section
/// (at its end going up, at its start going down); at the first or last place of a section it
/// leaves the section, before or after it. `false` when the item is not found or cannot move.
pub fn move_item(items: &mut Vec<Item>, name: &str, up: bool) -> bool {
    let Some(path) = locate(items, name) else {
        return false;
    };
    let idx = *path.last().expect("a path has at least one index");
    let Some(siblings) = container_mut(items, &path) else {
        return false;
    };
    let len = siblings.len();
    let neighbour = if up {
        idx.checked_sub(1)
    } else {
        Some(idx + 1)
    }
    .filter(|n| *n < len);
    if let Some(n) = neighbour {
        let into_section = matches!(siblings[n], Item::Group(_));
        if into_section {
            let item = siblings.remove(idx);
            let n = if up { n } else { n - 1 };
            if let Item::Group(g) = &mut siblings[n] {
                if up {
                    g.items.push(item);
                } else {
                    g.items.insert(0, item);
                }
            }
        } else {
            siblings.swap(idx, n);
        }
        return true;
    }
    // First or last in its list: leave the section, if it is in one.
    if path.len() < 2 {
        return false;
    }
    let parent_path = &path[..path.len() - 1];
    let section_idx = *parent_path.last().expect("checked above");
    let item = match container_mut(items, &path) {
        Some(siblings) => siblings.remove(idx),
        None => return false,
    };
    match container_mut(items, parent_path) {
        Some(outer) => {
            let at = if up { section_idx } else { section_idx + 1 };
            outer.insert(at.min(outer.len()), item);
            true
        }
        None => false,
    }
}

pub(super) fn remove_item(items: &mut Vec<Item>, name: &str) -> bool {
    if let Some(i) = items.iter().position(|it| it.name() == name) {
        items.remove(i);
        return true;
    }
    items.iter_mut().any(|it| match it {
        Item::Group(g) => remove_item(&mut g.items, name),
        Item::Question(_) => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use duluan_forms::model::QuestionType;

    fn q(name: &str) -> Item {
        Item::Question(Question {
            name: name.into(),
            kind: QuestionType::Text,
            ..Question::default()
        })
    }

    fn g(name: &str, items: Vec<Item>) -> Item {
        Item::Group(duluan_forms::Group {
            name: name.into(),
            items,
            ..duluan_forms::Group::default()
        })
    }

    fn shape(items: &[Item]) -> String {
        items
            .iter()
            .map(|it| match it {
                Item::Question(q) => q.name.clone(),
                Item::Group(g) => format!("{}({})", g.name, shape(&g.items)),
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn items_move_within_into_and_out_of_sections() {
        let mut items = vec![q("a"), q("b"), g("s", vec![q("c"), q("d")]), q("e")];
        assert!(move_item(&mut items, "b", true));
        assert_eq!(shape(&items), "b a s(c d) e");
        assert!(!move_item(&mut items, "b", true), "already first");
        assert!(move_item(&mut items, "a", false));
        assert_eq!(
            shape(&items),
            "b s(a c d) e",
            "down into the section, at its start"
        );
        assert!(move_item(&mut items, "a", true));
        assert_eq!(
            shape(&items),
            "b a s(c d) e",
            "up out of the section, before it"
        );
        assert!(move_item(&mut items, "e", true));
        assert_eq!(
            shape(&items),
            "b a s(c d e)",
            "up into the section, at its end"
        );
        assert!(move_item(&mut items, "e", false));
        assert_eq!(
            shape(&items),
            "b a s(c d) e",
            "down out of the section, after it"
        );
        assert!(move_item(&mut items, "s", true));
        assert_eq!(shape(&items), "b s(c d) a e", "a section moves whole");
        assert!(!move_item(&mut items, "x", true));
    }
}

//! Slugs: the URL-safe handle derived from a workspace's name.

/// The longest slug Ferry derives (a uniqueness suffix may add a few characters).
pub const MAX_SLUG_LEN: usize = 64;

/// Derives a slug from a display name: lowercase ASCII letters and digits, runs of anything
/// else folded into one `-`, no leading or trailing `-`. Common Latin accents are folded to
/// their base letter so that "Café Ops" becomes `cafe-ops`; a name with nothing usable
/// gives `workspace`.
pub fn slugify(name: &str) -> String {
    let mut slug = String::with_capacity(name.len());
    let mut pending_dash = false;
    for c in name.chars().flat_map(char::to_lowercase) {
        let c = fold_accent(c);
        if c.is_ascii_alphanumeric() {
            if pending_dash && !slug.is_empty() {
                slug.push('-');
            }
            pending_dash = false;
            if slug.len() < MAX_SLUG_LEN {
                slug.push(c);
            }
        } else {
            pending_dash = true;
        }
    }
    let slug = slug.trim_end_matches('-').to_string();
    if slug.is_empty() {
        "workspace".to_string()
    } else {
        slug
    }
}

/// The slug to try after `base` was taken `attempt` times: `base-2`, `base-3`, ...
pub fn with_suffix(base: &str, attempt: u32) -> String {
    if attempt == 0 {
        base.to_string()
    } else {
        format!("{base}-{}", attempt + 1)
    }
}

fn fold_accent(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
        'ç' => 'c',
        'è' | 'é' | 'ê' | 'ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ñ' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => 'o',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        'ý' | 'ÿ' => 'y',
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_lowercase_and_dashed() {
        assert_eq!(slugify("Marketing Team"), "marketing-team");
        assert_eq!(slugify("  --Data__Ops!! 2024 "), "data-ops-2024");
        assert_eq!(slugify("default"), "default");
    }

    #[test]
    fn accents_fold_and_empty_names_fall_back() {
        assert_eq!(slugify("Café Ünïcode"), "cafe-unicode");
        assert_eq!(slugify("数据"), "workspace");
        assert_eq!(slugify("!!!"), "workspace");
    }

    #[test]
    fn slugs_are_bounded() {
        let slug = slugify(&"abc ".repeat(100));
        assert!(slug.len() <= MAX_SLUG_LEN);
        assert!(!slug.ends_with('-'));
    }

    #[test]
    fn suffixes_count_from_two() {
        assert_eq!(with_suffix("ops", 0), "ops");
        assert_eq!(with_suffix("ops", 1), "ops-2");
        assert_eq!(with_suffix("ops", 2), "ops-3");
    }
}

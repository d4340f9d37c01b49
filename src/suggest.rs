//! "Did you mean": the known word nearest to a word that names nothing.
//! One rule for every suggestion galley makes (a key file's name, a query's
//! field or value), so they agree on what "near" is.

/// The candidate nearest to `word` by edit distance (transpositions count
/// as one edit, as in `chef_enviroment`), when it is near enough to be a
/// typo: at most one edit in three characters, and never `word` itself.
/// Ties go to the candidate that sorts first, so the answer does not
/// depend on the order candidates come in.
pub(crate) fn nearest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .filter(|candidate| *candidate != word)
        .map(|candidate| (strsim::damerau_levenshtein(word, candidate), candidate))
        .filter(|(distance, _)| *distance <= limit)
        .min()
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::nearest;

    #[test]
    fn a_typo_finds_its_word_and_a_stranger_finds_none() {
        let fields = ["chef_environment", "recipes", "roles", "name"];
        assert_eq!(nearest("chef_enviroment", fields), Some("chef_environment"));
        assert_eq!(nearest("recipe", fields), Some("recipes"));
        assert_eq!(nearest("rloes", fields), Some("roles"));
        assert_eq!(nearest("platform", fields), None);
        assert_eq!(
            nearest("name", fields),
            None,
            "the word itself is no suggestion"
        );
    }

    #[test]
    fn ties_go_to_the_first_in_order_whatever_order_they_come_in() {
        assert_eq!(nearest("cat", ["cut", "bat"]), Some("bat"));
        assert_eq!(nearest("cat", ["bat", "cut"]), Some("bat"));
    }
}

//! Compact read-only JSON trees for node documents.
//!
//! A node's attributes are often most of its document, and an inventory can
//! hold a hundred thousand nodes. A [`Tree`] keeps one flat array of entries
//! per node whose strings point into the text the node was read from (shared
//! by all nodes of a file), so loading allocates little and a search walks
//! contiguous memory. serde_json does the parsing and validation: [`parse`]
//! only records what it sees.

use std::fmt::Write;
use std::sync::Arc;

use serde::de::{DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

/// The text nodes are read from, shared by all the nodes of one file. An
/// `Arc<String>` rather than an `Arc<str>`: a file's text is moved in, not
/// copied.
pub type Text = Arc<String>;

/// A string: a span of the shared source text, or of the tree's own buffer
/// (for strings with escapes, and for numbers as text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Str {
    start: u32,
    /// Length, with [`OWN`] set when the span is in the tree's own buffer.
    len: u32,
}

const OWN: u32 = 1 << 31;

impl Str {
    const EMPTY: Str = Str { start: 0, len: 0 };
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Val {
    Null,
    Bool(bool),
    /// The number as text (serde_json's shortest form).
    Number(Str),
    String(Str),
    /// Children follow this entry, each followed by its own subtree, up to
    /// the entry index `end`. `keys` is a one-hash Bloom filter of every key
    /// below this value ([`key_bit`]), so a search can skip subtrees that
    /// cannot hold the fields it wants.
    Object {
        end: u32,
        keys: u64,
    },
    Array {
        end: u32,
        keys: u64,
    },
}

/// The Bloom filter bit of a key, ignoring ASCII case (FNV-1a).
pub fn key_bit(key: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in key.bytes() {
        hash ^= u64::from(b.to_ascii_lowercase());
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    1 << (hash % 64)
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Entry {
    /// The key of this value in its parent object (empty in arrays).
    key: Str,
    value: Val,
}

/// A JSON value stored compactly; entry 0 is the root.
#[derive(Debug, Clone)]
pub struct Tree {
    text: Text,
    own: Box<str>,
    entries: Vec<Entry>,
}

/// A position in a [`Tree`], to walk it without knowing its layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct At(u32);

/// What is at a position.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind<'t> {
    Null,
    Bool(bool),
    /// The number's text.
    Number(&'t str),
    String(&'t str),
    Object,
    Array,
}

/// Parses `text[range]` (a JSON value inside the shared `text`).
pub fn parse(text: &Text, range: std::ops::Range<usize>) -> Result<Tree, serde_json::Error> {
    let mut entries = Vec::with_capacity(range.len() / 16);
    let own = build(text, range, &mut entries)?;
    Ok(Tree {
        text: Arc::clone(text),
        own,
        entries,
    })
}

thread_local! {
    /// Entries of documents that are read and dropped at once, reused so
    /// loading many nodes does not allocate for each.
    static SCRATCH: std::cell::Cell<Vec<Entry>> = const { std::cell::Cell::new(Vec::new()) };
}

/// Parses `text[range]` into a transient tree and hands it to `f`: for
/// documents that are only read to build something else (a node's merged
/// attributes).
pub fn parse_then<R>(
    text: &Text,
    range: std::ops::Range<usize>,
    f: impl FnOnce(&Tree) -> R,
) -> Result<R, serde_json::Error> {
    let mut entries = SCRATCH.take();
    entries.clear();
    let own = match build(text, range, &mut entries) {
        Ok(own) => own,
        Err(e) => {
            SCRATCH.set(entries);
            return Err(e);
        }
    };
    let tree = Tree {
        text: Arc::clone(text),
        own,
        entries,
    };
    let result = f(&tree);
    SCRATCH.set(tree.entries);
    Ok(result)
}

fn build(
    text: &Text,
    range: std::ops::Range<usize>,
    entries: &mut Vec<Entry>,
) -> Result<Box<str>, serde_json::Error> {
    let mut own = String::new();
    let mut de = serde_json::Deserializer::from_str(&text[range]);
    Builder {
        entries,
        own: &mut own,
        base: text.as_ptr() as usize,
        key: Str::EMPTY,
    }
    .deserialize(&mut de)?;
    de.end()?;
    Ok(own.into_boxed_str())
}

impl Tree {
    /// An empty object.
    pub fn empty_object() -> Tree {
        Tree {
            text: Arc::new(String::new()),
            own: "".into(),
            entries: vec![Entry {
                key: Str::EMPTY,
                value: Val::Object { end: 1, keys: 0 },
            }],
        }
    }

    pub fn root(&self) -> At {
        At(0)
    }

    fn str(&self, s: Str) -> &str {
        let (start, len) = (s.start as usize, (s.len & !OWN) as usize);
        if s.len & OWN != 0 {
            &self.own[start..start + len]
        } else {
            &self.text[start..start + len]
        }
    }

    pub fn kind(&self, at: At) -> Kind<'_> {
        match self.entries[at.0 as usize].value {
            Val::Null => Kind::Null,
            Val::Bool(b) => Kind::Bool(b),
            Val::Number(s) => Kind::Number(self.str(s)),
            Val::String(s) => Kind::String(self.str(s)),
            Val::Object { .. } => Kind::Object,
            Val::Array { .. } => Kind::Array,
        }
    }

    /// The key under which `at` sits in its parent object.
    pub fn key(&self, at: At) -> &str {
        self.str(self.entries[at.0 as usize].key)
    }

    /// Scalars as text, as Chef's search index has them: numbers and
    /// booleans as written, `null` as the empty string. `None` for
    /// objects and arrays.
    pub fn text(&self, at: At) -> Option<&str> {
        match self.kind(at) {
            Kind::Null => Some(""),
            Kind::Bool(true) => Some("true"),
            Kind::Bool(false) => Some("false"),
            Kind::Number(s) | Kind::String(s) => Some(s),
            Kind::Object | Kind::Array => None,
        }
    }

    /// The Bloom filter of the keys below `at` (see [`key_bit`]); 0 for
    /// scalars.
    pub fn keys_below(&self, at: At) -> u64 {
        match self.entries[at.0 as usize].value {
            Val::Object { keys, .. } | Val::Array { keys, .. } => keys,
            _ => 0,
        }
    }

    /// The children of an object or array, in document order.
    pub fn children(&self, at: At) -> Children<'_> {
        let end = match self.entries[at.0 as usize].value {
            Val::Object { end, .. } | Val::Array { end, .. } => end,
            _ => at.0 + 1,
        };
        Children {
            tree: self,
            next: at.0 + 1,
            end,
        }
    }

    /// The child of an object by key (the last one, if a key repeats, as
    /// serde_json keeps it).
    pub fn get(&self, at: At, key: &str) -> Option<At> {
        if self.kind(at) != Kind::Object {
            return None;
        }
        self.children(at).filter(|&c| self.key(c) == key).last()
    }

    /// The value at a dotted path (`cloud.public_hostname`; array elements by
    /// index: `cloud.public_ipv4_addrs.0`).
    pub fn path(&self, path: &str) -> Option<At> {
        let mut at = self.root();
        for part in path.split('.') {
            at = match self.kind(at) {
                Kind::Object => self.get(at, part)?,
                Kind::Array => self.children(at).nth(part.parse().ok()?)?,
                _ => return None,
            };
        }
        Some(at)
    }

    /// The value as a serde_json value (for output; copies).
    pub fn to_value(&self, at: At) -> Value {
        match self.kind(at) {
            Kind::Null => Value::Null,
            Kind::Bool(b) => Value::Bool(b),
            Kind::Number(n) => serde_json::from_str(n).unwrap_or_else(|_| Value::String(n.into())),
            Kind::String(s) => Value::String(s.into()),
            Kind::Array => Value::Array(self.children(at).map(|c| self.to_value(c)).collect()),
            Kind::Object => Value::Object(
                self.children(at)
                    .map(|c| (self.key(c).to_string(), self.to_value(c)))
                    .collect(),
            ),
        }
    }

    /// Deep-merges objects: `levels` from the highest precedence to the
    /// lowest. Where both sides are objects they merge key by key; otherwise
    /// the higher value wins whole, and shadows everything below it (so
    /// arrays are replaced, never joined). This is chef_deep_merge applied
    /// lowest first: `merge(merge(merge(default, normal), override),
    /// automatic)`.
    pub fn merge(&self, levels: &[At]) -> Tree {
        let mut out = Vec::with_capacity(self.entries.len());
        self.merge_into(&mut out, Str::EMPTY, levels);
        if out.is_empty() {
            return Tree::empty_object();
        }
        Tree {
            text: Arc::clone(&self.text),
            own: self.own.clone(),
            entries: out,
        }
    }

    fn merge_into(&self, out: &mut Vec<Entry>, key: Str, levels: &[At]) {
        // The objects that take part: from the highest level down to the
        // first value that is not an object, which shadows the rest.
        let objects = levels
            .iter()
            .take_while(|&&at| self.kind(at) == Kind::Object)
            .count();
        if objects <= 1 {
            let Some(&top) = levels.first() else { return };
            self.copy_into(out, key, top);
            return;
        }
        let levels = &levels[..objects];
        let start = out.len();
        out.push(Entry {
            key,
            value: Val::Object { end: 0, keys: 0 },
        });
        let mut keys = 0;
        let mut same_key: Vec<At> = Vec::with_capacity(levels.len());
        // The Bloom filters spare most lookups of a key in the other levels.
        let below: Vec<u64> = levels.iter().map(|&l| self.keys_below(l)).collect();
        let find = |level: usize, name: &str, bit: u64| {
            (below[level] & bit != 0)
                .then(|| self.get(levels[level], name))
                .flatten()
        };
        for (i, &level) in levels.iter().enumerate() {
            for child in self.children(level) {
                let name = self.key(child);
                let bit = key_bit(name);
                // A key that a higher level has was merged with it already.
                if (0..i).any(|higher| find(higher, name, bit).is_some()) {
                    continue;
                }
                same_key.clear();
                same_key.push(child);
                same_key.extend((i + 1..levels.len()).filter_map(|lower| find(lower, name, bit)));
                let key = self.entries[child.0 as usize].key;
                let same = std::mem::take(&mut same_key);
                let merged = out.len();
                self.merge_into(out, key, &same);
                same_key = same;
                keys |= bit | entry_keys(out[merged].value);
            }
        }
        let end = out.len() as u32;
        out[start].value = Val::Object { end, keys };
    }

    /// Copies the subtree at `at` under a new key, fixing its end indexes.
    fn copy_into(&self, out: &mut Vec<Entry>, key: Str, at: At) {
        let from = at.0 as usize;
        let to = match self.entries[from].value {
            Val::Object { end, .. } | Val::Array { end, .. } => end as usize,
            _ => from + 1,
        };
        let shift = out.len() as i64 - from as i64;
        out.extend(self.entries[from..to].iter().map(|e| {
            let value = match e.value {
                Val::Object { end, keys } => Val::Object {
                    end: (end as i64 + shift) as u32,
                    keys,
                },
                Val::Array { end, keys } => Val::Array {
                    end: (end as i64 + shift) as u32,
                    keys,
                },
                other => other,
            };
            Entry { key: e.key, value }
        }));
        out[(from as i64 + shift) as usize].key = key;
    }
}

/// Iterator over the children of an object or array.
pub struct Children<'t> {
    tree: &'t Tree,
    next: u32,
    end: u32,
}

impl Iterator for Children<'_> {
    type Item = At;

    fn next(&mut self) -> Option<At> {
        if self.next >= self.end {
            return None;
        }
        let at = At(self.next);
        self.next = match self.tree.entries[self.next as usize].value {
            Val::Object { end, .. } | Val::Array { end, .. } => end,
            _ => self.next + 1,
        };
        Some(at)
    }
}

/// Records entries as serde_json reports the values.
struct Builder<'b> {
    entries: &'b mut Vec<Entry>,
    own: &'b mut String,
    /// Address of the shared text, to turn borrowed strings into spans.
    base: usize,
    key: Str,
}

impl Builder<'_> {
    fn push(&mut self, value: Val) {
        self.entries.push(Entry {
            key: self.key,
            value,
        });
    }

    fn child(&mut self, key: Str) -> Builder<'_> {
        Builder {
            entries: self.entries,
            own: self.own,
            base: self.base,
            key,
        }
    }
}

fn entry_keys(value: Val) -> u64 {
    match value {
        Val::Object { keys, .. } | Val::Array { keys, .. } => keys,
        _ => 0,
    }
}

fn borrowed(base: usize, s: &str) -> Str {
    Str {
        start: (s.as_ptr() as usize - base) as u32,
        len: s.len() as u32,
    }
}

fn owned(own: &mut String, s: &str) -> Str {
    let start = own.len() as u32;
    own.push_str(s);
    Str {
        start,
        len: s.len() as u32 | OWN,
    }
}

fn owned_number(own: &mut String, n: impl std::fmt::Display) -> Str {
    let start = own.len();
    let _ = write!(own, "{n}");
    Str {
        start: start as u32,
        len: (own.len() - start) as u32 | OWN,
    }
}

impl<'de> DeserializeSeed<'de> for Builder<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, de: D) -> Result<(), D::Error> {
        de.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Builder<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(mut self) -> Result<(), E> {
        self.push(Val::Null);
        Ok(())
    }

    fn visit_bool<E>(mut self, v: bool) -> Result<(), E> {
        self.push(Val::Bool(v));
        Ok(())
    }

    fn visit_u64<E>(mut self, v: u64) -> Result<(), E> {
        let s = owned_number(self.own, v);
        self.push(Val::Number(s));
        Ok(())
    }

    fn visit_i64<E>(mut self, v: i64) -> Result<(), E> {
        let s = owned_number(self.own, v);
        self.push(Val::Number(s));
        Ok(())
    }

    fn visit_f64<E>(mut self, v: f64) -> Result<(), E> {
        // serde_json's own form: shortest round-trip, `1.0` keeps its `.0`.
        let s = owned_number(
            self.own,
            serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number),
        );
        self.push(Val::Number(s));
        Ok(())
    }

    fn visit_borrowed_str<E>(mut self, v: &'de str) -> Result<(), E> {
        let s = borrowed(self.base, v);
        self.push(Val::String(s));
        Ok(())
    }

    fn visit_str<E>(mut self, v: &str) -> Result<(), E> {
        let s = owned(self.own, v);
        self.push(Val::String(s));
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        let start = self.entries.len();
        self.push(Val::Array { end: 0, keys: 0 });
        let mut keys = 0;
        loop {
            let element = self.entries.len();
            if seq.next_element_seed(self.child(Str::EMPTY))?.is_none() {
                break;
            }
            keys |= entry_keys(self.entries[element].value);
        }
        self.entries[start].value = Val::Array {
            end: self.entries.len() as u32,
            keys,
        };
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        let start = self.entries.len();
        self.push(Val::Object { end: 0, keys: 0 });
        let mut keys = 0;
        while let Some((key, bit)) = map.next_key_seed(KeySeed {
            own: self.own,
            base: self.base,
        })? {
            let child = self.entries.len();
            map.next_value_seed(self.child(key))?;
            keys |= bit | entry_keys(self.entries[child].value);
        }
        self.entries[start].value = Val::Object {
            end: self.entries.len() as u32,
            keys,
        };
        Ok(())
    }
}

/// Reads an object key as a span, with its Bloom filter bit.
struct KeySeed<'b> {
    own: &'b mut String,
    base: usize,
}

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = (Str, u64);

    fn deserialize<D: serde::Deserializer<'de>>(self, de: D) -> Result<(Str, u64), D::Error> {
        de.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_> {
    type Value = (Str, u64);

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an object key")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<(Str, u64), E> {
        Ok((borrowed(self.base, v), key_bit(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<(Str, u64), E> {
        Ok((owned(self.own, v), key_bit(v)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn tree(value: &Value) -> Tree {
        let text: Text = Arc::new(format!("  {value} "));
        let len = text.len();
        parse(&text, 0..len).unwrap()
    }

    #[test]
    fn round_trips_values_with_escapes_and_numbers() {
        let value =
            json!({"a": [1, -2, 3.5, 1.0, true, null, "x\"y", {"k\\ey": "v"}], "b": {}, "c": []});
        let t = tree(&value);
        assert_eq!(t.to_value(t.root()), value);
        assert_eq!(t.text(t.path("a.3").unwrap()), Some("1.0"));
        assert_eq!(t.text(t.path("a.6").unwrap()), Some("x\"y"));
        assert_eq!(t.key(t.path("a.7.k\\ey").unwrap()), "k\\ey");
        assert_eq!(t.path("a.9"), None);
        assert_eq!(t.path("b.x"), None);
    }

    #[test]
    fn merge_follows_chef_precedence_and_shadowing() {
        let doc = json!({
            "automatic": {"a": "auto", "h": {"x": 1}, "arr": [3]},
            "override": {"a": "over", "h": {"y": 2}, "s": "over-scalar", "arr": [1, 2]},
            "normal": {"s": {"from_normal": true}, "n": "normal"},
            "default": {"s": {"from_default": true}, "h": {"z": 3, "x": 0}, "d": "default"}
        });
        let t = tree(&doc);
        let levels: Vec<At> = ["automatic", "override", "normal", "default"]
            .iter()
            .map(|l| t.get(t.root(), l).unwrap())
            .collect();
        let merged = t.merge(&levels);
        assert_eq!(
            merged.to_value(merged.root()),
            json!({"a": "auto", "h": {"x": 1, "y": 2, "z": 3}, "arr": [3], "s": "over-scalar", "n": "normal", "d": "default"})
        );
    }

    #[test]
    fn bloom_filters_cover_every_key_below_and_survive_merging() {
        let doc =
            json!({"automatic": {"a": {"b": [{"Deep": 1}]}}, "default": {"a": {"c": 2}, "z": 0}});
        let t = tree(&doc);
        let levels: Vec<At> = ["automatic", "default"]
            .iter()
            .map(|l| t.get(t.root(), l).unwrap())
            .collect();
        let merged = t.merge(&levels);
        let root = merged.keys_below(merged.root());
        for key in ["a", "b", "deep", "DEEP", "c", "z"] {
            assert_ne!(root & key_bit(key), 0, "{key} below the root");
        }
        let a = merged.keys_below(merged.path("a").unwrap());
        assert_ne!(a & key_bit("c"), 0, "merged-in key");
        assert_ne!(a & key_bit("deep"), 0, "key inside an array");
        assert_eq!(merged.keys_below(merged.path("z").unwrap()), 0);
    }

    #[test]
    fn a_scalar_in_between_cuts_off_lower_hashes() {
        // default hash, normal scalar, override hash: chef gives the override hash alone.
        let doc = json!({"override": {"k": {"o": 1}}, "normal": {"k": "scalar"}, "default": {"k": {"d": 1}}});
        let t = tree(&doc);
        let levels: Vec<At> = ["override", "normal", "default"]
            .iter()
            .map(|l| t.get(t.root(), l).unwrap())
            .collect();
        let merged = t.merge(&levels);
        assert_eq!(merged.to_value(merged.root()), json!({"k": {"o": 1}}));
    }
}

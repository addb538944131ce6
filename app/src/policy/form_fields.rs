//! What a server function's form posts, learnt from its argument struct's `Deserialize`
//! alone (no source is read): a deserializer that answers every question with an empty
//! value and writes down what it was asked. `deserialize_struct` is told the field names,
//! `deserialize_enum` the variant names, and a leaf its kind; the keys come out as the form
//! encoding spells them (`slug`, `company[name]`, `command[invite_member][email]`).
//!
//! A field whose own `Deserialize` refuses the empty value (a date, say) is still written
//! down; the struct is then read again without it, so the fields after it are seen too.
//! Each enum is read once per variant.

use serde::de::{self, DeserializeOwned, DeserializeSeed, IntoDeserializer, Visitor};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// What kind of value a form field takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    Integer,
    Decimal,
    /// `true` or `false`.
    Flag,
    /// One of an enum's variant names.
    Choice(&'static [&'static str]),
    /// Any keys beneath it: `key[anything]=…`.
    Map,
    /// A list: `key[0]=…`.
    List,
    /// Something whose shape the introspection cannot see (it deserializes "any").
    Opaque,
}

/// One value a server function's form posts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormField {
    /// The key as the form encoding spells it.
    pub key: String,
    pub kind: FieldKind,
    /// The enum variants this field lives in, as (the enum's key, the variant): posting
    /// the field chooses them.
    pub within: Vec<(String, &'static str)>,
}

impl FormField {
    /// The server function argument this field belongs to.
    pub fn argument(&self) -> &str {
        self.key.split('[').next().unwrap_or(&self.key)
    }
}

/// A server function's arguments and every form field beneath them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FormShape {
    /// The argument struct's field names, in order.
    pub arguments: &'static [&'static str],
    pub fields: Vec<FormField>,
}

/// Enough readings to see every variant of every enum the portal's forms take.
const MOST_READINGS: usize = 2_000;

/// The form shape of a server function's argument struct (or any deserializable type).
pub fn form_shape<T: DeserializeOwned>() -> FormShape {
    let mut shape = FormShape::default();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut explored: BTreeSet<(String, usize)> = BTreeSet::new();
    let mut queue: Vec<(BTreeSet<String>, BTreeMap<String, usize>)> = vec![Default::default()];
    let mut readings = 0;
    while let Some((skip, choices)) = queue.pop() {
        readings += 1;
        if readings > MOST_READINGS {
            break;
        }
        let reading = Reading {
            skip: &skip,
            choices: &choices,
            arguments: RefCell::new(None),
            found: RefCell::new(Vec::new()),
            enums: RefCell::new(Vec::new()),
            failed: RefCell::new(None),
        };
        let _ = T::deserialize(Probe { reading: &reading, key: None, within: Vec::new() });
        if let Some(arguments) = reading.arguments.take() {
            shape.arguments = arguments;
        }
        for field in reading.found.take() {
            if seen.insert(field.key.clone()) {
                shape.fields.push(field);
            }
        }
        if let Some(failed) = reading.failed.take()
            && !skip.contains(&failed)
        {
            let mut skip = skip.clone();
            skip.insert(failed);
            queue.push((skip, choices.clone()));
        }
        for (key, variants) in reading.enums.take() {
            for variant in 1..variants {
                if explored.insert((key.clone(), variant)) {
                    let mut choices = choices.clone();
                    choices.insert(key.clone(), variant);
                    queue.push((skip.clone(), choices));
                }
            }
        }
    }
    shape
}

/// One reading of the type: which fields to leave out, which variant of each enum to take,
/// and what was seen.
struct Reading<'a> {
    skip: &'a BTreeSet<String>,
    choices: &'a BTreeMap<String, usize>,
    arguments: RefCell<Option<&'static [&'static str]>>,
    found: RefCell<Vec<FormField>>,
    enums: RefCell<Vec<(String, usize)>>,
    /// The innermost field whose value was refused.
    failed: RefCell<Option<String>>,
}

#[derive(Debug)]
struct Refused(String);

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refused {}

impl de::Error for Refused {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Refused(msg.to_string())
    }
}

fn child_key(parent: Option<&str>, name: &str) -> String {
    match parent {
        Some(parent) => format!("{parent}[{name}]"),
        None => name.to_owned(),
    }
}

struct Probe<'r, 'a> {
    reading: &'r Reading<'a>,
    /// `None` for the argument struct itself.
    key: Option<String>,
    within: Vec<(String, &'static str)>,
}

impl Probe<'_, '_> {
    fn leaf(&self, kind: FieldKind) {
        if let Some(key) = &self.key {
            self.reading.found.borrow_mut().push(FormField {
                key: key.clone(),
                kind,
                within: self.within.clone(),
            });
        }
    }
}

macro_rules! integers {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Refused> {
            self.leaf(FieldKind::Integer);
            visitor.visit_u64(0)
        }
    )*};
}

impl<'de> de::Deserializer<'de> for Probe<'_, '_> {
    type Error = Refused;

    integers!(deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128);

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Refused> {
        self.leaf(FieldKind::Opaque);
        visitor.visit_str("")
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Refused> {
        self.leaf(FieldKind::Flag);
        visitor.visit_bool(false)
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Refused> {
        self.deserialize_f64(visitor)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Refused> {
        self.leaf(FieldKind::Decimal);
        visitor.visit_f64(0.0)
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Refused> {
        self.leaf(FieldKind::Text);
        visitor.visit_char('a')
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Refused> {
        self.leaf(FieldKind::Text);
        visitor.visit_str("")
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Refused> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Refused> {
        self.leaf(FieldKind::Text);
        visitor.visit_bytes(&[])
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Refused> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Refused> {
        visitor.visit_some(self)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Refused> {
        self.leaf(FieldKind::Opaque);
        visitor.visit_unit()
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Refused> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Refused> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Refused> {
        self.leaf(FieldKind::List);
        visitor.visit_seq(de::value::SeqDeserializer::new(std::iter::empty::<()>()))
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Refused> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Refused> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Refused> {
        self.leaf(FieldKind::Map);
        visitor.visit_map(de::value::MapDeserializer::new(std::iter::empty::<((), ())>()))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Refused> {
        if self.key.is_none() {
            *self.reading.arguments.borrow_mut() = Some(fields);
        }
        visitor.visit_map(Fields { probe: self, fields, next: 0, current: None })
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Refused> {
        let key = self.key.clone().unwrap_or_default();
        self.leaf(FieldKind::Choice(variants));
        self.reading.enums.borrow_mut().push((key.clone(), variants.len()));
        let chosen = self.reading.choices.get(&key).copied().unwrap_or(0);
        let Some(variant) = variants.get(chosen).copied() else {
            return Err(Refused("an enum without variants".into()));
        };
        visitor.visit_enum(Variant { probe: self, variant })
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Refused> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Refused> {
        visitor.visit_unit()
    }
}

/// A struct's fields, one after another, leaving out those this reading skips.
struct Fields<'r, 'a> {
    probe: Probe<'r, 'a>,
    fields: &'static [&'static str],
    next: usize,
    current: Option<String>,
}

impl<'de> de::MapAccess<'de> for Fields<'_, '_> {
    type Error = Refused;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Refused> {
        while let Some(name) = self.fields.get(self.next).copied() {
            self.next += 1;
            let key = child_key(self.probe.key.as_deref(), name);
            if self.probe.reading.skip.contains(&key) {
                continue;
            }
            self.current = Some(key);
            return seed.deserialize(name.into_deserializer()).map(Some);
        }
        Ok(None)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Refused> {
        let key = self.current.take().unwrap_or_default();
        let probe =
            Probe { reading: self.probe.reading, key: Some(key.clone()), within: self.probe.within.clone() };
        seed.deserialize(probe).inspect_err(|_| {
            let mut failed = self.probe.reading.failed.borrow_mut();
            if failed.is_none() {
                *failed = Some(key);
            }
        })
    }
}

/// The variant this reading takes of an enum.
struct Variant<'r, 'a> {
    probe: Probe<'r, 'a>,
    variant: &'static str,
}

impl<'r, 'a> Variant<'r, 'a> {
    fn inside(&self) -> Probe<'r, 'a> {
        let key = self.probe.key.clone().unwrap_or_default();
        let mut within = self.probe.within.clone();
        within.push((key.clone(), self.variant));
        Probe { reading: self.probe.reading, key: Some(child_key(Some(&key), self.variant)), within }
    }
}

impl<'de, 'r, 'a> de::EnumAccess<'de> for Variant<'r, 'a> {
    type Error = Refused;
    type Variant = Self;

    fn variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<(S::Value, Self), Refused> {
        let value = seed.deserialize(self.variant.into_deserializer())?;
        Ok((value, self))
    }
}

impl<'de> de::VariantAccess<'de> for Variant<'_, '_> {
    type Error = Refused;

    fn unit_variant(self) -> Result<(), Refused> {
        Ok(())
    }

    fn newtype_variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<S::Value, Refused> {
        seed.deserialize(self.inside())
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, _visitor: V) -> Result<V::Value, Refused> {
        Err(Refused("tuple variants have no form encoding".into()))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Refused> {
        visitor.visit_map(Fields { probe: self.inside(), fields, next: 0, current: None })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[allow(dead_code)]
    #[derive(Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Command {
        Submit,
        Invite { email: String },
        Decide { on: chrono::NaiveDate, approve: bool, cohort: i64 },
    }

    #[allow(dead_code)]
    #[derive(Deserialize)]
    struct Inner {
        name: String,
        size: Option<u32>,
    }

    #[allow(dead_code)]
    #[derive(Deserialize)]
    struct Args {
        slug: String,
        company: Inner,
        command: Command,
        rows: Option<BTreeMap<String, String>>,
        tags: Vec<String>,
    }

    #[test]
    fn every_field_beneath_the_arguments_is_seen() {
        let shape = form_shape::<Args>();
        assert_eq!(shape.arguments, ["slug", "company", "command", "rows", "tags"]);
        let kinds: BTreeMap<&str, &FieldKind> =
            shape.fields.iter().map(|f| (f.key.as_str(), &f.kind)).collect();
        assert_eq!(kinds["slug"], &FieldKind::Text);
        assert_eq!(kinds["company[name]"], &FieldKind::Text);
        assert_eq!(kinds["company[size]"], &FieldKind::Integer);
        assert_eq!(kinds["command"], &FieldKind::Choice(&["submit", "invite", "decide"]));
        assert_eq!(kinds["command[invite][email]"], &FieldKind::Text);
        // The date refuses the empty value; the fields after it are still seen.
        assert_eq!(kinds["command[decide][on]"], &FieldKind::Text);
        assert_eq!(kinds["command[decide][approve]"], &FieldKind::Flag);
        assert_eq!(kinds["command[decide][cohort]"], &FieldKind::Integer);
        assert_eq!(kinds["rows"], &FieldKind::Map);
        assert_eq!(kinds["tags"], &FieldKind::List);
        let decide = shape.fields.iter().find(|f| f.key == "command[decide][approve]").unwrap();
        assert_eq!(decide.within, [("command".to_owned(), "decide")]);
        assert_eq!(decide.argument(), "command");
    }
}

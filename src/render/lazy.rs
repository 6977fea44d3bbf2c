//! Template data converted on access. A determination appears on several listing pages
//! and a listing page reads a handful of its fields; converting every determination into
//! a template value up front held the whole archive as value trees (≈ 6 KB each: 580 MB
//! at 100,000). [`Lazy`] wraps the struct instead and converts a field when a template
//! reads it, through the struct's own `Serialize` (so the fields, their names, order and
//! values are exactly those of converting the whole struct).

use std::fmt;
use std::sync::Arc;

use minijinja::value::{Enumerator, Object, Serde, Value};
use serde::Serialize;
use serde::ser::{self, Impossible, SerializeStruct, Serializer};

/// A struct as a template map whose fields are converted when read.
pub struct Lazy<T>(pub Arc<T>);

impl<T> fmt::Debug for Lazy<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Lazy")
    }
}

impl<T: Serialize + Send + Sync + 'static> Lazy<T> {
    pub fn value(v: Arc<T>) -> Value {
        Value::from_object(Lazy(v))
    }
}

impl<T: Serialize + Send + Sync + 'static> Object for Lazy<T> {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let mut pick = Pick {
            want: Some(key.as_str()?),
            keys: None,
            found: None,
        };
        // Stops (with `Stop`) at the field wanted.
        let _ = self.0.serialize(&mut pick);
        pick.found
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        let mut pick = Pick {
            want: None,
            keys: Some(Vec::new()),
            found: None,
        };
        let _ = self.0.serialize(&mut pick);
        Enumerator::Values(
            pick.keys
                .unwrap_or_default()
                .into_iter()
                .map(Value::from)
                .collect(),
        )
    }
}

/// A serializer that only walks a struct's field names: it converts the field `want`
/// (then stops) or lists the names (`keys`).
struct Pick<'a> {
    want: Option<&'a str>,
    keys: Option<Vec<&'static str>>,
    found: Option<Value>,
}

/// Ends the walk: the field was found, or the value is not a struct.
#[derive(Debug)]
struct Stop;

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("stop")
    }
}

impl std::error::Error for Stop {}

impl ser::Error for Stop {
    fn custom<M: fmt::Display>(_: M) -> Self {
        Stop
    }
}

impl SerializeStruct for &mut Pick<'_> {
    type Ok = ();
    type Error = Stop;

    fn serialize_field<V: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &V,
    ) -> Result<(), Stop> {
        if let Some(keys) = &mut self.keys {
            keys.push(key);
            return Ok(());
        }
        if self.want == Some(key) {
            self.found = Some(Value::from(Serde(value)));
            return Err(Stop);
        }
        Ok(())
    }

    fn end(self) -> Result<(), Stop> {
        Ok(())
    }
}

macro_rules! not_a_struct {
    ($($name:ident($($t:ty),*);)*) => {
        $(fn $name(self, $(_: $t),*) -> Result<(), Stop> { Err(Stop) })*
    };
}

impl<'a, 'b> Serializer for &'a mut Pick<'b> {
    type Ok = ();
    type Error = Stop;
    type SerializeSeq = Impossible<(), Stop>;
    type SerializeTuple = Impossible<(), Stop>;
    type SerializeTupleStruct = Impossible<(), Stop>;
    type SerializeTupleVariant = Impossible<(), Stop>;
    type SerializeMap = Impossible<(), Stop>;
    type SerializeStruct = &'a mut Pick<'b>;
    type SerializeStructVariant = Impossible<(), Stop>;

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, Stop> {
        Ok(self)
    }

    not_a_struct! {
        serialize_bool(bool);
        serialize_i8(i8);
        serialize_i16(i16);
        serialize_i32(i32);
        serialize_i64(i64);
        serialize_u8(u8);
        serialize_u16(u16);
        serialize_u32(u32);
        serialize_u64(u64);
        serialize_f32(f32);
        serialize_f64(f64);
        serialize_char(char);
        serialize_str(&str);
        serialize_bytes(&[u8]);
        serialize_none();
        serialize_unit();
        serialize_unit_struct(&'static str);
        serialize_unit_variant(&'static str, u32, &'static str);
    }

    fn serialize_some<V: ?Sized + Serialize>(self, _: &V) -> Result<(), Stop> {
        Err(Stop)
    }
    fn serialize_newtype_struct<V: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: &V,
    ) -> Result<(), Stop> {
        Err(Stop)
    }
    fn serialize_newtype_variant<V: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &V,
    ) -> Result<(), Stop> {
        Err(Stop)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Stop> {
        Err(Stop)
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Stop> {
        Err(Stop)
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Stop> {
        Err(Stop)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Stop> {
        Err(Stop)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Stop> {
        Err(Stop)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Stop> {
        Err(Stop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Inner {
        name: String,
        tags: Vec<&'static str>,
    }

    #[derive(Serialize)]
    struct Outer {
        title: String,
        year: i32,
        missing: Option<String>,
        inner: Inner,
        #[serde(skip)]
        #[allow(dead_code)]
        secret: String,
        last: bool,
    }

    fn sample() -> Outer {
        Outer {
            title: "A <b>title</b>".into(),
            year: 2016,
            missing: None,
            inner: Inner {
                name: "n".into(),
                tags: vec!["x", "y"],
            },
            secret: "never shown".into(),
            last: true,
        }
    }

    /// Every way a template can read the data renders the same for the lazy map as for
    /// the value converted whole.
    #[test]
    fn reads_like_the_whole_conversion() {
        let mut env = minijinja::Environment::new();
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
        let templates = [
            "{{ d.title }} {{ d.year + 1 }} {{ d.inner.name }} {{ d.inner.tags|join(',') }}",
            "{{ d.missing is none }} {{ d.nothing is undefined }} {{ d.secret is undefined }}",
            "{% for k in d %}{{ k }};{% endfor %}|{{ d|length }}",
            "{% for k, v in d|items %}{{ k }}={{ v }};{% endfor %}",
            "{{ d|tojson }}",
            "{{ d.last and d.title }}{% if d %}yes{% endif %}",
            "{{ d['title'] }} {{ d|attr('year') }}",
        ];
        for t in templates {
            let tmpl = env.template_from_str(t).expect("template");
            let whole = tmpl
                .render(minijinja::context! { d => Value::from(Serde(sample())) })
                .expect("whole");
            let lazy = tmpl
                .render(minijinja::context! { d => Lazy::value(Arc::new(sample())) })
                .expect("lazy");
            assert_eq!(lazy, whole, "template {t}");
        }
    }
}

//! Closed sets of keys stored as text (statuses, kinds, modes, directions): `stored_keys!`
//! declares the enum once with its stored key per value, and gives it what every such enum
//! needs, so that no context reads such a column as a bare `String`:
//!
//! - `key()`, what is stored (every write binds `value.key()`, never a literal);
//! - `ALL`, every value in declaration (display) order;
//! - `parse()`, for a key typed or posted (surrounding spaces ignored), `None` when unknown;
//! - `TryFrom<String>`, exact, whose error names the bad value;
//! - `sqlx::Type` and `sqlx::Decode` for every backend, through `TryFrom`: a row's column, a
//!   tuple's field or an optional column reads straight into the enum, and an unknown or empty
//!   key is a decode error (a logged 500), never a default.
//!
//! There is deliberately no `sqlx::Encode`: a write binds `key()`, which says what is stored.

/// Declares an enum of stored keys (see the module documentation):
///
/// ```ignore
/// stored_keys! {
///     /// Where a survey stands.
///     pub enum SurveyStatus: "survey status" {
///         /// Being designed.
///         Draft = "draft",
///         Open = "open",
///     }
/// }
/// ```
macro_rules! stored_keys {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident : $what:literal {
            $( $(#[$vmeta:meta])* $variant:ident = $key:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every value, in display order.
            pub const ALL: [$name; [$($key),+].len()] = [$($name::$variant),+];

            /// The stored key.
            pub fn key(self) -> &'static str {
                match self {
                    $( $name::$variant => $key, )+
                }
            }

            /// Parses a key typed or posted (surrounding spaces ignored); `None` when it is
            /// not one of [`Self::ALL`]'s keys.
            pub fn parse(raw: &str) -> Option<$name> {
                match raw.trim() {
                    $( $key => Some($name::$variant), )+
                    _ => None,
                }
            }
        }

        /// How a stored key is read: exactly one of the keys, or an error naming the value.
        impl ::std::convert::TryFrom<String> for $name {
            type Error = String;

            fn try_from(key: String) -> Result<Self, Self::Error> {
                match key.as_str() {
                    $( $key => Ok($name::$variant), )+
                    _ => Err(format!(concat!("unknown ", $what, " {:?}"), key)),
                }
            }
        }

        impl<DB: ::sqlx::Database> ::sqlx::Type<DB> for $name
        where
            String: ::sqlx::Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <String as ::sqlx::Type<DB>>::type_info()
            }

            fn compatible(ty: &DB::TypeInfo) -> bool {
                <String as ::sqlx::Type<DB>>::compatible(ty)
            }
        }

        impl<'r, DB: ::sqlx::Database> ::sqlx::Decode<'r, DB> for $name
        where
            String: ::sqlx::Decode<'r, DB>,
        {
            fn decode(
                value: <DB as ::sqlx::Database>::ValueRef<'r>,
            ) -> Result<Self, ::sqlx::error::BoxDynError> {
                let key = <String as ::sqlx::Decode<'r, DB>>::decode(value)?;
                Ok(<$name as ::std::convert::TryFrom<String>>::try_from(key)?)
            }
        }
    };
}

pub(crate) use stored_keys;

/// The unit test every stored-keys enum gets: each key reads back into its value, the keys are
/// distinct and not empty, and an empty or unknown key is an error that names the value.
#[cfg(test)]
pub fn assert_keys<T>(all: &[T], key: fn(T) -> &'static str)
where
    T: Copy + PartialEq + std::fmt::Debug + TryFrom<String, Error = String>,
{
    assert!(!all.is_empty());
    for (i, &v) in all.iter().enumerate() {
        assert!(!key(v).is_empty(), "{v:?} has an empty key");
        assert_eq!(T::try_from(key(v).to_string()), Ok(v), "{v:?}");
        assert!(
            all[..i].iter().all(|&w| key(w) != key(v)),
            "{v:?}'s key is used twice"
        );
    }
    assert!(T::try_from(String::new()).is_err(), "the empty key reads");
    let err = T::try_from("no-such-key".to_string()).unwrap_err();
    assert!(err.contains("no-such-key"), "{err}");
    if let Some(&first) = all.first() {
        let padded = format!(" {} ", key(first));
        assert!(T::try_from(padded).is_err(), "a stored key is read exactly");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    stored_keys! {
        /// A sample.
        enum Sample: "sample" {
            /// One.
            One = "one",
            /// Two.
            Two = "two",
        }
    }

    #[test]
    fn the_macro_gives_keys_parsing_and_errors() {
        assert_eq!(Sample::ALL, [Sample::One, Sample::Two]);
        assert_eq!(Sample::Two.key(), "two");
        assert_eq!(Sample::parse(" one "), Some(Sample::One));
        assert_eq!(Sample::parse("three"), None);
        assert_eq!(
            Sample::try_from("three".to_string()),
            Err("unknown sample \"three\"".to_string())
        );
        assert_keys(&Sample::ALL, Sample::key);
    }
}

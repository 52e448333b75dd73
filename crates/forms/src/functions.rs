//! The function library: names, arities and argument types of every supported function.
//!
//! The checker uses this table to report unknown functions, wrong numbers of arguments and
//! literal arguments of the wrong type; the evaluator dispatches on [`Func`].

/// The static type of an argument or a result, as far as the checker can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    /// Anything (converted as XPath does).
    Any,
    /// A string.
    Str,
    /// A number.
    Num,
    /// A boolean.
    Bool,
    /// A date.
    Date,
    /// A date-time.
    DateTime,
    /// Must be a question reference (a node-set), e.g. `count(${q})`.
    Nodes,
}

macro_rules! functions {
    ($($variant:ident = $name:literal, $min:literal, $max:expr, [$($arg:ident),*], $ret:ident;)*) => {
        /// A known function.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Func {
            $(
                #[doc = concat!("`", $name, "`")]
                $variant,
            )*
        }

        impl Func {
            /// Every function, in the order of the table.
            pub const ALL: &'static [Func] = &[$(Func::$variant),*];

            /// The function called `name`, if any.
            pub fn from_name(name: &str) -> Option<Func> {
                match name {
                    $($name => Some(Func::$variant),)*
                    _ => None,
                }
            }

            /// The name as written in a form.
            pub fn name(self) -> &'static str {
                match self { $(Func::$variant => $name,)* }
            }

            /// Fewest and most arguments (`usize::MAX`: any number).
            pub fn arity(self) -> (usize, usize) {
                match self { $(Func::$variant => ($min, $max),)* }
            }

            /// Declared argument types; the last one repeats for variadic functions.
            pub fn params(self) -> &'static [Ty] {
                match self { $(Func::$variant => &[$(Ty::$arg),*],)* }
            }

            /// The type of the result.
            pub fn returns(self) -> Ty {
                match self { $(Func::$variant => Ty::$ret,)* }
            }
        }
    };
}

const MANY: usize = usize::MAX;

functions! {
    Not = "not", 1, 1, [Any], Bool;
    True = "true", 0, 0, [], Bool;
    False = "false", 0, 0, [], Bool;
    Boolean = "boolean", 1, 1, [Any], Bool;
    BooleanFromString = "boolean-from-string", 1, 1, [Str], Bool;
    Selected = "selected", 2, 2, [Str, Str], Bool;
    CountSelected = "count-selected", 1, 1, [Str], Num;
    SelectedAt = "selected-at", 2, 2, [Str, Num], Str;
    ChoiceName = "jr:choice-name", 2, 2, [Str, Str], Str;
    If = "if", 3, 3, [Bool, Any, Any], Any;
    Coalesce = "coalesce", 2, 2, [Any, Any], Any;
    Once = "once", 1, 1, [Any], Any;
    Concat = "concat", 0, MANY, [Any], Str;
    Join = "join", 2, 2, [Str, Nodes], Str;
    StringLength = "string-length", 0, 1, [Str], Num;
    Substr = "substr", 2, 3, [Str, Num, Num], Str;
    Substring = "substring", 2, 3, [Str, Num, Num], Str;
    SubstringBefore = "substring-before", 2, 2, [Str, Str], Str;
    SubstringAfter = "substring-after", 2, 2, [Str, Str], Str;
    Contains = "contains", 2, 2, [Str, Str], Bool;
    StartsWith = "starts-with", 2, 2, [Str, Str], Bool;
    EndsWith = "ends-with", 2, 2, [Str, Str], Bool;
    Regex = "regex", 2, 2, [Str, Str], Bool;
    NormalizeSpace = "normalize-space", 0, 1, [Str], Str;
    Translate = "translate", 3, 3, [Str, Str, Str], Str;
    UpperCase = "upper-case", 1, 1, [Str], Str;
    LowerCase = "lower-case", 1, 1, [Str], Str;
    String = "string", 0, 1, [Any], Str;
    Number = "number", 0, 1, [Any], Num;
    Int = "int", 1, 1, [Num], Num;
    Round = "round", 1, 2, [Num, Num], Num;
    Floor = "floor", 1, 1, [Num], Num;
    Ceiling = "ceiling", 1, 1, [Num], Num;
    Abs = "abs", 1, 1, [Num], Num;
    Pow = "pow", 2, 2, [Num, Num], Num;
    Today = "today", 0, 0, [], Date;
    Now = "now", 0, 0, [], DateTime;
    Date = "date", 1, 1, [Any], Date;
    DecimalDateTime = "decimal-date-time", 1, 1, [DateTime], Num;
    FormatDate = "format-date", 2, 2, [Date, Str], Str;
    FormatDateTime = "format-date-time", 2, 2, [DateTime, Str], Str;
    Position = "position", 0, 1, [Nodes], Num;
    Count = "count", 1, 1, [Nodes], Num;
    CountNonEmpty = "count-non-empty", 1, 1, [Nodes], Num;
    Sum = "sum", 1, 1, [Nodes], Num;
    Max = "max", 1, MANY, [Any], Num;
    Min = "min", 1, MANY, [Any], Num;
    IndexedRepeat = "indexed-repeat", 3, 7, [Nodes, Nodes, Num, Nodes, Num, Nodes, Num], Any;
    Pulldata = "pulldata", 4, 4, [Str, Str, Str, Any], Str;
    Uuid = "uuid", 0, 1, [Num], Str;
    Random = "random", 0, 0, [], Num;
    Digest = "digest", 2, 3, [Str, Str, Str], Str;
    Area = "area", 1, 1, [Any], Num;
    Distance = "distance", 1, MANY, [Any], Num;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_consistent() {
        for f in Func::ALL {
            assert_eq!(Func::from_name(f.name()), Some(*f));
            let (min, max) = f.arity();
            assert!(min <= max);
            if max != MANY {
                assert!(f.params().len() >= max, "{}", f.name());
            } else {
                assert!(!f.params().is_empty());
            }
        }
        assert_eq!(Func::from_name("jr:choice-name"), Some(Func::ChoiceName));
        assert_eq!(Func::from_name("choice-name"), None);
    }
}

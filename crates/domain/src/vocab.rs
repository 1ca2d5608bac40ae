//! Closed vocabularies (classifications, settings, kinds …): each value has a stable machine
//! name stored in the database and sent over the API, and a Vietnamese label for the screen.

/// Declares an enum of named values with `ALL`, `as_str`, `parse` (an error naming `field`)
/// and `label`.
#[macro_export]
macro_rules! vocabulary {
    (
        $(#[$meta:meta])*
        pub enum $name:ident (field = $field:literal) {
            $( $(#[$vmeta:meta])* $var:ident = ($s:literal, $label:literal) ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $( $(#[$vmeta])* $var ),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[ $( $name::$var ),+ ];

            pub fn as_str(self) -> &'static str {
                match self { $( $name::$var => $s ),+ }
            }

            pub fn label(self) -> &'static str {
                match self { $( $name::$var => $label ),+ }
            }

            /// Parses the machine name; the error names the field.
            pub fn parse(s: &str) -> Result<Self, $crate::error::Invalid> {
                let t = s.trim();
                Self::ALL.iter().copied().find(|v| v.as_str() == t).ok_or_else(|| {
                    $crate::error::Invalid::field(
                        $field,
                        format!(
                            "giá trị \"{}\" không hợp lệ; dùng một trong: {}",
                            t,
                            Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
                        ),
                    )
                })
            }

            /// Parses an optional value: empty means `None`.
            pub fn parse_opt(s: &str) -> Result<Option<Self>, $crate::error::Invalid> {
                if s.trim().is_empty() { Ok(None) } else { Self::parse(s).map(Some) }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.label())
            }
        }
    };
}

/// Dates typed by people: `dd/mm/yyyy` (what the screen shows) or `yyyy-mm-dd` (what date
/// inputs and the API send). Empty means `None`.
pub fn parse_date(field: &str, s: &str) -> Result<Option<chrono::NaiveDate>, crate::Invalid> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(None);
    }
    chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .or_else(|_| chrono::NaiveDate::parse_from_str(t, "%d/%m/%Y"))
        .map(Some)
        .map_err(|_| {
            crate::Invalid::field(field, format!("ngày \"{t}\" không hợp lệ (dd/mm/yyyy)"))
        })
}

/// Like [`parse_date`], refusing a date after `today`.
pub fn parse_past_date(
    field: &str,
    s: &str,
    today: chrono::NaiveDate,
) -> Result<Option<chrono::NaiveDate>, crate::Invalid> {
    match parse_date(field, s)? {
        Some(d) if d > today => Err(crate::Invalid::field(
            field,
            format!(
                "ngày {} ở tương lai (hôm nay là {})",
                d.format("%d/%m/%Y"),
                today.format("%d/%m/%Y")
            ),
        )),
        other => Ok(other),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    crate::vocabulary! {
        /// A test vocabulary.
        pub enum Colour (field = "colour") {
            Red = ("red", "Đỏ"),
            Green = ("green", "Xanh"),
        }
    }

    #[test]
    fn vocabulary_round_trips_and_names_the_field() {
        for c in Colour::ALL {
            assert_eq!(Colour::parse(c.as_str()).unwrap(), *c);
        }
        assert_eq!(Colour::Red.label(), "Đỏ");
        let e = Colour::parse("blue").unwrap_err();
        assert!(e.message_for("colour").unwrap().contains("red, green"));
        assert_eq!(Colour::parse_opt(" ").unwrap(), None);
    }

    #[test]
    fn dates_in_both_forms_and_not_in_the_future() {
        let d = NaiveDate::from_ymd_opt(2021, 6, 24).unwrap();
        assert_eq!(parse_date("d", "24/06/2021").unwrap(), Some(d));
        assert_eq!(parse_date("d", "2021-06-24").unwrap(), Some(d));
        assert_eq!(parse_date("d", "").unwrap(), None);
        assert!(
            parse_date("d", "31/02/2021")
                .unwrap_err()
                .message_for("d")
                .is_some()
        );
        assert!(parse_past_date("d", "25/06/2021", d).is_err());
        assert!(parse_past_date("d", "24/06/2021", d).is_ok());
    }
}

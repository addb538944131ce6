//! The code lists the portal's records use, as enums the browser shares: each has its
//! stored code, `ALL` in display order and `parse`. No page compares a code as text.

macro_rules! code_list {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $code:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $($(#[$vdoc])* #[serde(rename = $code)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn code(self) -> &'static str {
                match self {
                    $($name::$variant => $code),+
                }
            }

            pub fn parse(code: &str) -> Option<$name> {
                $name::ALL.iter().copied().find(|v| v.code() == code)
            }
        }
    };
}

/// Other modules' code lists use the same macro.
pub(crate) use code_list;

code_list!(
    /// What kind of company proposes (and takes part in agreements).
    CompanyKind {
        SpinOut = "spin_out",
        Sme = "sme",
        Pharma = "pharma",
        InfrastructureProvider = "infrastructure_provider",
    }
);

code_list!(
    /// A company's size (the EU definitions, which set its state-aid bonus).
    CompanySize {
        Micro = "micro",
        Small = "small",
        Medium = "medium",
        Large = "large",
    }
);

code_list!(
    /// Why a person declares a conflict of interest with a company.
    ConflictKind {
        Employment = "employment",
        Financial = "financial",
        Collaboration = "collaboration",
        Personal = "personal",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_serialise_as_their_code() {
        for kind in CompanyKind::ALL {
            assert_eq!(CompanyKind::parse(kind.code()), Some(*kind));
        }
        assert_eq!(serde_json::to_string(&CompanySize::Medium).unwrap(), "\"medium\"");
        assert_eq!(ConflictKind::parse("nonsense"), None);
    }
}

code_list!(
    /// A person's gender as they declare it in their profile (optional: no declaration is
    /// no row value at all). Only ever counted in aggregates.
    Gender {
        Woman = "woman",
        Man = "man",
        /// Another gender, or non-binary.
        Another = "another",
        PreferNotToSay = "prefer_not_to_say",
    }
);

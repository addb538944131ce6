//! Identifiers as types: a `PersonId` is never mistaken for a `NodeId`. Each wraps the
//! database's integer key and serialises as that bare number, so stored events and JSON
//! answers keep their shape. With the `sqlx` feature (the server's) an id binds and reads
//! as that integer too.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl $name {
            pub fn get(self) -> i64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<i64> for $name {
            fn from(value: i64) -> Self {
                $name(value)
            }
        }

        impl From<$name> for i64 {
            fn from(id: $name) -> i64 {
                id.0
            }
        }

        #[cfg(feature = "sqlx")]
        impl<DB: sqlx::Database> sqlx::Type<DB> for $name
        where
            i64: sqlx::Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <i64 as sqlx::Type<DB>>::type_info()
            }

            fn compatible(ty: &DB::TypeInfo) -> bool {
                <i64 as sqlx::Type<DB>>::compatible(ty)
            }
        }

        #[cfg(feature = "sqlx")]
        impl<'q, DB: sqlx::Database> sqlx::Encode<'q, DB> for $name
        where
            i64: sqlx::Encode<'q, DB>,
        {
            fn encode_by_ref(
                &self,
                buf: &mut <DB as sqlx::Database>::ArgumentBuffer<'q>,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                <i64 as sqlx::Encode<'q, DB>>::encode_by_ref(&self.0, buf)
            }
        }

        #[cfg(feature = "sqlx")]
        impl<'r, DB: sqlx::Database> sqlx::Decode<'r, DB> for $name
        where
            i64: sqlx::Decode<'r, DB>,
        {
            fn decode(value: <DB as sqlx::Database>::ValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
                <i64 as sqlx::Decode<'r, DB>>::decode(value).map($name)
            }
        }
    )*};
}

id_type!(
    /// A person known to the portal (signed in at least once, or made by the demo).
    PersonId,
    /// One of the seven nodes.
    NodeId,
    /// A cohort (a dataset of the catalogue that can be applied for).
    CohortId,
    /// An access application.
    ApplicationId,
    /// A co-creation call.
    CallId,
    /// A company (an organisation of kind company).
    CompanyId,
    /// A co-creation proposal.
    ProposalId,
    /// A collaboration agreement.
    AgreementId,
    /// A collaboration model (its versions share the id).
    ModelId,
    /// An organisation: a university, hospital, region, agency or company.
    OrganisationId,
    /// An uploaded file.
    AttachmentId,
);

impl CompanyId {
    /// A company is an organisation of kind company: the same key.
    pub fn organisation(self) -> OrganisationId {
        OrganisationId(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_serialise_as_bare_numbers() {
        assert_eq!(serde_json::to_string(&PersonId(7)).unwrap(), "7");
        assert_eq!(serde_json::from_str::<NodeId>("12").unwrap(), NodeId(12));
        assert_eq!(serde_json::to_string(&vec![(CohortId(1), NodeId(2))]).unwrap(), "[[1,2]]");
    }
}

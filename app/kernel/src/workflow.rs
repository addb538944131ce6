//! The shape every workflow has (REMS' design): an aggregate is the fold of its events;
//! a command is first checked against the permission table — which actor may give which
//! kind of command in the aggregate's present state — and then against its values, and
//! answers events or a typed refusal. The same table draws the buttons, so the pages and
//! the command handler can never disagree; `visibility` says what of it a person may see.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::BTreeSet;
use std::fmt::Debug;

/// The time a command is decided at, and the facts from outside the aggregate's own log
/// that its rules need (read in the same transaction as the log).
#[derive(Debug, Clone)]
pub struct Context<F = ()> {
    pub now: DateTime<Utc>,
    pub facts: F,
}

impl Context<()> {
    pub fn at(now: DateTime<Utc>) -> Context<()> {
        Context { now, facts: () }
    }
}

impl<F> Context<F> {
    pub fn with(now: DateTime<Utc>, facts: F) -> Context<F> {
        Context { now, facts }
    }

    /// The Stockholm calendar day of the decision.
    pub fn today(&self) -> chrono::NaiveDate {
        crate::stockholm::date(self.now)
    }
}

/// An event's name in the log and the audit trail.
pub trait EventKind {
    fn kind(&self) -> &'static str;
}

/// A command names the permission it needs.
pub trait Permissioned {
    type Permission: Copy + Ord + Debug;
    fn permission(&self) -> Self::Permission;
}

/// A workflow's rules. Implementors write the table ([`Aggregate::may`]) and the value
/// checks ([`Aggregate::check`]); [`Aggregate::decide`] and [`Aggregate::permitted`] are
/// derived from them and never restated.
pub trait Aggregate: Default + Clone {
    type Command: Permissioned + Clone + Debug;
    type Event: EventKind + Clone + Debug + Serialize + DeserializeOwned;
    type Actor;
    type Facts;
    type Refusal: Debug;
    type Visibility;

    /// Folds one event in; events were decided already, so this cannot fail.
    fn apply(&mut self, event: &Self::Event, at: DateTime<Utc>);

    /// Every permission that could apply to this aggregate now, for anyone.
    fn candidates(&self) -> Vec<<Self::Command as Permissioned>::Permission>;

    /// The permission table: may this actor give commands of this kind in this state? The
    /// refusal says why not (not theirs, or not now).
    fn may(
        &self,
        actor: &Self::Actor,
        permission: <Self::Command as Permissioned>::Permission,
        context: &Context<Self::Facts>,
    ) -> Result<(), Self::Refusal>;

    /// The rules about the command's values, for a command the table allows.
    fn check(
        &self,
        actor: &Self::Actor,
        command: &Self::Command,
        context: &Context<Self::Facts>,
    ) -> Result<Vec<Self::Event>, Self::Refusal>;

    /// What of this aggregate the actor may see.
    fn visibility(&self, actor: &Self::Actor, facts: &Self::Facts) -> Self::Visibility;

    /// The kinds of command this actor may give now: what the pages draw as buttons.
    fn permitted(
        &self,
        actor: &Self::Actor,
        context: &Context<Self::Facts>,
    ) -> BTreeSet<<Self::Command as Permissioned>::Permission> {
        self.candidates().into_iter().filter(|p| self.may(actor, *p, context).is_ok()).collect()
    }

    /// The one entry for a command: the table first, then the values.
    fn decide(
        &self,
        actor: &Self::Actor,
        command: &Self::Command,
        context: &Context<Self::Facts>,
    ) -> Result<Vec<Self::Event>, Self::Refusal> {
        self.may(actor, command.permission(), context)?;
        self.check(actor, command, context)
    }

    fn fold<'a>(events: impl IntoIterator<Item = (&'a Self::Event, DateTime<Utc>)>) -> Self
    where
        Self::Event: 'a,
    {
        let mut aggregate = Self::default();
        for (event, at) in events {
            aggregate.apply(event, at);
        }
        aggregate
    }
}

/// Free text a command carries: at most `max` characters once trimmed, and not empty
/// where required. The one length rule, so every text field has a bound.
pub fn text_fits(text: &str, max: usize, required: bool) -> bool {
    let length = text.trim().chars().count();
    length <= max && (!required || length > 0)
}

/// The refusals the shared text rules give, in each workflow's own refusal type.
pub trait TextRefusal: Sized {
    fn invalid(field: &str, key: &'static str) -> Self;
    fn reason_required() -> Self;
}

/// Implements [`TextRefusal`] for a workflow's refusal enum with `Invalid(String, &'static
/// str)` and `ReasonRequired` variants, and defines the module's `invalid(field, key)`.
#[macro_export]
macro_rules! text_refusals {
    ($refusal:ident) => {
        fn invalid(field: &str, key: &'static str) -> $refusal {
            $refusal::Invalid(field.to_owned(), key)
        }

        impl $crate::workflow::TextRefusal for $refusal {
            fn invalid(field: &str, key: &'static str) -> $refusal {
                invalid(field, key)
            }
            fn reason_required() -> $refusal {
                $refusal::ReasonRequired
            }
        }
    };
}

/// Ok when `ok`, else the refusal.
pub fn require<R>(ok: bool, refusal: R) -> Result<(), R> {
    if ok { Ok(()) } else { Err(refusal) }
}

/// A required reason: trimmed, present, at most `max` characters.
pub fn reason<R: TextRefusal>(text: &str, max: usize) -> Result<String, R> {
    let text = text.trim();
    require(!text.is_empty(), R::reason_required())?;
    require(text_fits(text, max, true), R::invalid("reason", "form.too_long"))?;
    Ok(text.to_owned())
}

/// A required text other than a reason: trimmed, present, at most `max` characters.
pub fn required_text<R: TextRefusal>(field: &str, text: &str, max: usize) -> Result<String, R> {
    require(!text.trim().is_empty(), R::invalid(field, "form.required"))?;
    require(text_fits(text, max, true), R::invalid(field, "form.too_long"))?;
    Ok(text.trim().to_owned())
}

/// An optional text: trimmed, at most `max` characters, `None` when empty.
pub fn optional_text<R: TextRefusal>(field: &str, text: &str, max: usize) -> Result<Option<String>, R> {
    require(text_fits(text, max, false), R::invalid(field, "form.too_long"))?;
    Ok(Some(text.trim().to_owned()).filter(|t| !t.is_empty()))
}

/// Declares a workflow's `Command` (everything anyone or the portal may ask) and its
/// `PersonCommand` (what a posted form may ask: the same variants less the portal's own),
/// with the conversion between them, from one list, so the two can never drift apart.
#[macro_export]
macro_rules! commands {
    (
        $(#[$command_meta:meta])*
        pub enum Command { $($portal_only:tt)* }
        $(#[$person_meta:meta])*
        pub enum PersonCommand {
            $(
                $(#[$variant_meta:meta])*
                $variant:ident $({ $( $(#[$field_meta:meta])* $field:ident : $type:ty ),* $(,)? })?
            ),* $(,)?
        }
    ) => {
        $(#[$command_meta])*
        pub enum Command {
            $($portal_only)*
            $(
                $(#[$variant_meta])*
                $variant $({ $( $(#[$field_meta])* $field : $type ),* })?,
            )*
        }

        $(#[$person_meta])*
        pub enum PersonCommand {
            $(
                $(#[$variant_meta])*
                $variant $({ $( $(#[$field_meta])* $field : $type ),* })?,
            )*
        }

        impl From<PersonCommand> for Command {
            fn from(command: PersonCommand) -> Command {
                match command {
                    $( PersonCommand::$variant $({ $($field),* })? => Command::$variant $({ $($field),* })?, )*
                }
            }
        }
    };
}

//! Rules that turn an identity-provider claim into a role: "whoever's ID token from
//! provider P has claim C containing value V is granted role R (with scope)". Grants made
//! by a rule are kept in step with the claims at every sign-in.

use super::model::{Role, RoleScope};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimRule {
    pub id: i64,
    /// `None`: any provider.
    pub provider_id: Option<String>,
    pub claim: String,
    pub value: String,
    pub role: Role,
    pub scope: RoleScope,
}

/// Does this sign-in (provider and ID-token claims) satisfy the rule? A claim may be a
/// string or a list of strings (as `eduperson_entitlement` usually is).
pub fn rule_matches(
    rule: &ClaimRule,
    provider_id: &str,
    claims: &serde_json::Map<String, serde_json::Value>,
) -> bool {
    if rule.provider_id.as_deref().is_some_and(|p| p != provider_id) {
        return false;
    }
    match claims.get(&rule.claim) {
        Some(serde_json::Value::String(value)) => *value == rule.value,
        Some(serde_json::Value::Array(values)) => {
            values.iter().any(|v| v.as_str() == Some(rule.value.as_str()))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(provider: Option<&str>) -> ClaimRule {
        ClaimRule {
            id: 1,
            provider_id: provider.map(str::to_owned),
            claim: "eduperson_entitlement".into(),
            value: "urn:geant:scilifelab.se:group:reviewers".into(),
            role: Role::Reviewer,
            scope: RoleScope::None,
        }
    }

    fn claims(json: &str) -> serde_json::Map<String, serde_json::Value> {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn a_value_in_a_list_claim_matches() {
        let c =
            claims(r#"{"eduperson_entitlement":["urn:other","urn:geant:scilifelab.se:group:reviewers"]}"#);
        assert!(rule_matches(&rule(None), "lifescience", &c));
    }

    #[test]
    fn a_string_claim_matches_only_exactly() {
        let exact = claims(r#"{"eduperson_entitlement":"urn:geant:scilifelab.se:group:reviewers"}"#);
        let prefix = claims(r#"{"eduperson_entitlement":"urn:geant:scilifelab.se:group:reviewers-old"}"#);
        assert!(rule_matches(&rule(None), "x", &exact));
        assert!(!rule_matches(&rule(None), "x", &prefix));
    }

    #[test]
    fn a_rule_for_one_provider_ignores_the_others() {
        let c = claims(r#"{"eduperson_entitlement":["urn:geant:scilifelab.se:group:reviewers"]}"#);
        assert!(rule_matches(&rule(Some("lifescience")), "lifescience", &c));
        assert!(!rule_matches(&rule(Some("lifescience")), "hospital", &c));
    }

    #[test]
    fn missing_or_odd_claims_never_match() {
        assert!(!rule_matches(&rule(None), "x", &claims("{}")));
        assert!(!rule_matches(&rule(None), "x", &claims(r#"{"eduperson_entitlement":42}"#)));
    }
}

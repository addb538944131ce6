//! Swedish organisation numbers (organisationsnummer): ten digits written `NNNNNN-NNNN`,
//! the third digit at least 2 (which tells them from personal identity numbers), and the
//! last digit a Luhn check digit over the first nine.

/// Why a text is not an organisation number; each has its own message at the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrgNumberProblem {
    /// Not ten digits (an optional `16` prefix, a hyphen and spaces aside).
    Format,
    /// The third digit is below 2: a personal identity number, not an organisation's.
    NotAnOrganisation,
    /// The check digit does not match.
    CheckDigit,
}

impl OrgNumberProblem {
    pub fn message_key(self) -> &'static str {
        match self {
            OrgNumberProblem::Format => "company.refused.org_number_format",
            OrgNumberProblem::NotAnOrganisation => "company.refused.org_number_person",
            OrgNumberProblem::CheckDigit => "company.refused.org_number_check",
        }
    }
}

/// The Luhn check digit for these digits (each a value 0–9).
pub fn luhn_check_digit(digits: &[u8]) -> u8 {
    let sum: u32 = digits
        .iter()
        .enumerate()
        .map(|(position, &digit)| {
            // From the left, the first digit is doubled (nine digits precede the check).
            let value = if position % 2 == 0 { u32::from(digit) * 2 } else { u32::from(digit) };
            if value > 9 { value - 9 } else { value }
        })
        .sum();
    ((10 - (sum % 10)) % 10) as u8
}

/// The number in its one written form, `NNNNNN-NNNN`, or why it is not one.
pub fn normalise(text: &str) -> Result<String, OrgNumberProblem> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
    if !compact.chars().all(|c| c.is_ascii_digit()) {
        return Err(OrgNumberProblem::Format);
    }
    let digits: Vec<u8> = compact.bytes().map(|b| b - b'0').collect();
    let digits = match digits.len() {
        10 => digits,
        // The twelve-digit form the tax agency uses for legal entities starts with 16.
        12 if digits[..2] == [1, 6] => digits[2..].to_vec(),
        _ => return Err(OrgNumberProblem::Format),
    };
    if digits[2] < 2 {
        return Err(OrgNumberProblem::NotAnOrganisation);
    }
    if luhn_check_digit(&digits[..9]) != digits[9] {
        return Err(OrgNumberProblem::CheckDigit);
    }
    let text: String = digits.iter().map(|d| char::from(b'0' + d)).collect();
    Ok(format!("{}-{}", &text[..6], &text[6..]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn real_organisation_numbers_pass_in_every_written_form() {
        // Numbers of real Swedish companies and universities, as published.
        for (written, normal) in [
            ("556074-3089", "556074-3089"),
            ("5560360793", "556036-0793"),
            ("202100 2932", "202100-2932"),
            ("16556074-3089", "556074-3089"),
        ] {
            assert_eq!(normalise(written), Ok(normal.to_owned()), "{written}");
        }
    }

    #[test]
    fn wrong_numbers_are_refused_with_the_reason() {
        assert_eq!(normalise("556074-3088"), Err(OrgNumberProblem::CheckDigit));
        assert_eq!(normalise("55607430"), Err(OrgNumberProblem::Format));
        assert_eq!(normalise("55607A-3089"), Err(OrgNumberProblem::Format));
        assert_eq!(normalise("17556074-3089"), Err(OrgNumberProblem::Format));
        // 850709-9805 is a (fictional) personal identity number with a valid check digit.
        assert_eq!(normalise("850709-9805"), Err(OrgNumberProblem::NotAnOrganisation));
    }

    proptest! {
        #[test]
        fn exactly_one_check_digit_fits_any_nine_digits(first in 2u8..10, rest in proptest::collection::vec(0u8..10, 8)) {
            let mut digits = vec![5, 5, first];
            digits.extend(rest.iter().take(6));
            let check = luhn_check_digit(&digits);
            for candidate in 0..10u8 {
                let text: String = digits.iter().chain(std::iter::once(&candidate)).map(|d| char::from(b'0' + d)).collect();
                prop_assert_eq!(normalise(&text).is_ok(), candidate == check);
            }
        }
    }
}

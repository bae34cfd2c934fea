//! The defect summary that goes to standard error: how many rows were left out, and for the
//! first ones where (file, line, record, column) and why.

use crate::model::Defects;

pub fn summary(defects: &Defects) -> String {
    let mut text = format!(
        "cchc: {} defective row(s) left out of every indicator{}:\n",
        defects.count,
        if defects.count > defects.samples.len() as u64 {
            format!(" (first {} shown)", defects.samples.len())
        } else {
            String::new()
        }
    );
    for d in &defects.samples {
        let place = match &d.column {
            Some(column) => format!(
                ", column {column:?}, value {:?}",
                d.value.as_deref().unwrap_or("")
            ),
            None => String::new(),
        };
        text.push_str(&format!(
            "  {}:{} (record {}){place}: {}\n",
            d.path, d.line, d.record, d.reason
        ));
    }
    text
}

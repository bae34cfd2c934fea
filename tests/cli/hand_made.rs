//! Small exports whose numerators and denominators are worked out by hand in each test.

use crate::common::{json_report, Scratch};

const HEADER: &str = "Mã hồ sơ,Mã TTHC,Đơn vị,Mức độ,Kênh nộp,Ngày tiếp nhận,Hạn xử lý,Ngày có kết quả,Ngày trả kết quả,Trạng thái,Phí,Lệ phí,Thanh toán,Số hóa kết quả,Tái sử dụng dữ liệu,Liên thông,Luân chuyển điện tử,Xác thực điện tử,Đánh giá";

fn export(rows: &[&str]) -> String {
    let mut text = String::from(HEADER);
    for row in rows {
        text.push('\n');
        text.push_str(row);
    }
    text.push('\n');
    text
}

/// Six dossiers received in 2024, each chosen to test one rule:
/// - A1 online, level 4, fee paid online, finished on the due date after the due hour, digitized, satisfied
/// - A2 online, level 2 (information only): counts for e_authenticated but not online_share
/// - A3 direct (blank channel), level 3, only a lệ phí, paid by bank transfer (not online)
/// - A4 refused at intake (3): in no denominator, though it has a finished_at
/// - A5 withdrawn (7) with an end date: on time by form II.06a
/// - A6 returned (10) without finished_at: end date is the return date, late, no due date missing
const SIX: [&str; 6] = [
    "A1,1.001,Phòng A,4,Trực tuyến,02/01/2024 08:00,10/01/2024 08:00,10/01/2024 16:00,11/01/2024,Đã trả kết quả,100.000,,Trực tuyến,Có,Có,Có,Có,Có,Hài lòng",
    "A2,1.002,Phòng A,2,Trực tuyến,03/01/2024,,,,Đang xử lý,0,0,,Không,Không,Không,,Có,",
    "A3,1.003,Phòng B,Một phần,,04/01/2024,20/01/2024,,,Đang xử lý,,50.000,Chuyển khoản,Không,Có,Có,Không,Không,",
    "A4,1.001,Phòng B,4,Trực tuyến,05/01/2024,,06/01/2024,,Từ chối tiếp nhận,100.000,,Trực tuyến,Có,Có,,,Có,Rất hài lòng",
    "A5,1.002,Phòng B,4,Trực tiếp,06/01/2024,07/01/2024,20/01/2024,,Rút hồ sơ,,,,,,,,,",
    "A6,1.003,Phòng A,4,Trực tiếp,07/01/2024,15/01/2024,,16/01/2024,10,,,,x,,,,,Không hài lòng",
];

fn cell(
    report: &crate::common::JsonReport,
    indicator: &str,
) -> (Option<i64>, Option<i64>, Option<f64>, String) {
    let r = report.find(indicator, "2024", None);
    (r.numerator, r.denominator, r.value, r.status.clone())
}

#[test]
fn every_indicator_on_six_hand_checked_dossiers() {
    let scratch = Scratch::new();
    let path = scratch.write("six.csv", &export(&SIX));
    let (report, code) = json_report(&[path.to_str().unwrap()]);
    assert_eq!(report.defects.count, 0);
    // Accepted: A1 A2 A3 A5 A6 (A4 refused). Online at level 3/4: A1 only.
    assert_eq!(
        cell(&report, "online_share"),
        (Some(1), Some(5), Some(20.0), "fail".into())
    );
    // Fee-bearing accepted: A1 (fee) and A3 (charge only); paid online: A1.
    assert_eq!(
        cell(&report, "online_payment_rate"),
        (Some(1), Some(2), Some(50.0), "pass".into())
    );
    // Procedures with fee-bearing dossiers: 1.001, 1.003; with online payment: 1.001.
    assert_eq!(
        cell(&report, "online_payment_procedures"),
        (Some(1), Some(2), Some(50.0), "fail".into())
    );
    // Finished: A1 (ends 10/01) and A6 (ends 16/01 by its return date); digitized: both.
    assert_eq!(
        cell(&report, "digitized_results"),
        (Some(2), Some(2), Some(100.0), "pass".into())
    );
    // Inter-agency accepted: A1, A3; transferred electronically: A1.
    assert_eq!(
        cell(&report, "electronic_transfer"),
        (Some(1), Some(2), Some(50.0), "fail".into())
    );
    // Reused data among accepted: A1, A3.
    assert_eq!(
        cell(&report, "data_reuse"),
        (Some(2), Some(5), Some(40.0), "fail".into())
    );
    // Accepted online: A1, A2; authenticated: both.
    assert_eq!(
        cell(&report, "e_authenticated"),
        (Some(2), Some(2), Some(100.0), "pass".into())
    );
    // Finished and rated: A1 (satisfied), A6 (not).
    assert_eq!(
        cell(&report, "satisfaction"),
        (Some(1), Some(2), Some(50.0), "fail".into())
    );
    // On time: A1 (same date, later hour), A5 (withdrawn); A6 late (16/01 > 15/01).
    assert_eq!(
        cell(&report, "on_time"),
        (Some(2), Some(3), Some(66.67), "info".into())
    );
    assert_eq!(report.find("on_time", "2024", None).missing_due, Some(0));
    let growth = report.find("digitized_results_growth", "2024", None);
    assert_eq!((growth.value, growth.status.as_str()), (None, "na"));
    assert_eq!(report.summary.fail, 5);
    assert_eq!(code, 1);
}

#[test]
fn periods_follow_received_and_end_dates() {
    // Received in December 2023, finished in January 2024: online_share counts it in 2023,
    // digitized_results in 2024.
    let scratch = Scratch::new();
    let path = scratch.write(
        "cross.csv",
        &export(&["B1,1.001,Phòng A,4,Trực tuyến,28/12/2023,05/01/2024,03/01/2024,,Đã xử lý xong,,,,Có,,,,,"]),
    );
    let (report, _) = json_report(&[path.to_str().unwrap()]);
    let share = report.find("online_share", "2023", None);
    assert_eq!((share.numerator, share.denominator), (Some(1), Some(1)));
    let digitized_2023 = report.find("digitized_results", "2023", None);
    assert_eq!(
        (digitized_2023.denominator, digitized_2023.status.as_str()),
        (Some(0), "na")
    );
    let digitized_2024 = report.find("digitized_results", "2024", None);
    assert_eq!(
        (digitized_2024.numerator, digitized_2024.denominator),
        (Some(1), Some(1))
    );
    // 2024 has finished dossiers but 2023 none: the growth row cannot be evaluated.
    let growth = report.find("digitized_results_growth", "2024", None);
    assert_eq!(growth.status, "na");
}

#[test]
fn growth_passes_on_twenty_points_or_at_one_hundred_percent() {
    let scratch = Scratch::new();
    // 2023: 1 of 2 digitized (50%). 2024: 2 of 2 (100%, +50 points). 2025: 2 of 2 (+0, but 100%).
    let rows = [
        "C1,1,P,4,,01/03/2023,,02/03/2023,,9,,,,Có,,,,,",
        "C2,1,P,4,,01/03/2023,,02/03/2023,,9,,,,Không,,,,,",
        "C3,1,P,4,,01/03/2024,,02/03/2024,,9,,,,Có,,,,,",
        "C4,1,P,4,,01/03/2024,,02/03/2024,,9,,,,Có,,,,,",
        "C5,1,P,4,,01/03/2025,,02/03/2025,,9,,,,Có,,,,,",
        "C6,1,P,4,,01/03/2025,,02/03/2025,,9,,,,Có,,,,,",
    ];
    let path = scratch.write("growth.csv", &export(&rows));
    let (report, _) = json_report(&[path.to_str().unwrap()]);
    let growth = |year: &str| {
        let r = report.find("digitized_results_growth", year, None);
        (r.value, r.status.clone())
    };
    assert_eq!(growth("2023"), (None, "na".to_string()));
    assert_eq!(growth("2024"), (Some(50.0), "pass".to_string()));
    assert_eq!(growth("2025"), (Some(0.0), "pass".to_string()));
}

#[test]
fn without_a_status_column_every_row_is_accepted_and_an_end_date_means_finished() {
    let scratch = Scratch::new();
    let text = "Mã hồ sơ,Ngày tiếp nhận,Ngày có kết quả,Số hóa kết quả\nD1,01/02/2024,03/02/2024,Có\nD2,01/02/2024,,Có\n";
    let path = scratch.write("nostatus.csv", text);
    let (report, _) = json_report(&[path.to_str().unwrap()]);
    let digitized = report.find("digitized_results", "2024", None);
    assert_eq!(
        (digitized.numerator, digitized.denominator),
        (Some(1), Some(1))
    );
    let share = report.find("online_share", "2024", None);
    assert_eq!(share.status, "na");
    assert_eq!(share.na_reason.as_deref(), Some("missing column channel"));
}

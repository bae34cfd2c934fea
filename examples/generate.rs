//! Generates a realistic synthetic one-stop-shop export (Vietnamese headers and words, UTF-8 with
//! BOM, CRLF) for the README example and for benchmarks.
//!
//! ```text
//! cargo run --example generate -- --rows 3000 --seed 2021 > examples/dossiers.vi.csv
//! cargo run --release --example generate -- --rows 1000000 > /tmp/1m.csv
//! cargo run --release --example generate -- --rows 1000000 --style canonical > /tmp/1m-c.csv
//! ```
//!
//! `--style canonical` writes the same dossiers as DOMAIN.md's canonical form: field names as
//! headers, LF, no BOM, `YYYY-MM-DD HH:MM:SS`, English status/channel/rating codes, `true`/`false`,
//! levels 2/3/4, plain integer amounts, payment `online`/`cash`/`bank_transfer`. The benchmark
//! runs DuckDB and polars on that form, their best case.
//!
//! The data follow the plan's story: online submission, online payment and digitization rise
//! from 2021 to 2025. Deterministic for a given seed.

use std::io::{BufWriter, Write};

/// splitmix64: a tiny deterministic generator, enough for synthetic data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

struct Procedure {
    code: &'static str,
    name: &'static str,
    sector: &'static str,
    unit: &'static str,
    level: u8,
    fee: u64,
    charge: u64,
}

const PROCEDURES: &[Procedure] = &[
    Procedure {
        code: "1.003106",
        name: "Cấp lại giấy phép kinh doanh dịch vụ lữ hành nội địa",
        sector: "Du lịch",
        unit: "Phòng Quản lý Du lịch",
        level: 4,
        fee: 1_500_000,
        charge: 0,
    },
    Procedure {
        code: "2.007361",
        name: "Cấp thẻ hướng dẫn viên du lịch quốc tế",
        sector: "Du lịch",
        unit: "Phòng Quản lý Du lịch",
        level: 4,
        fee: 650_000,
        charge: 0,
    },
    Procedure {
        code: "2.002674",
        name: "Cấp thẻ hướng dẫn viên du lịch nội địa",
        sector: "Du lịch",
        unit: "Phòng Quản lý Du lịch",
        level: 4,
        fee: 650_000,
        charge: 0,
    },
    Procedure {
        code: "1.001230",
        name: "Công nhận điểm du lịch",
        sector: "Du lịch",
        unit: "Phòng Quản lý Du lịch",
        level: 3,
        fee: 0,
        charge: 0,
    },
    Procedure {
        code: "2.001824",
        name: "Cấp giấy phép kinh doanh dịch vụ karaoke",
        sector: "Văn hóa cơ sở",
        unit: "Phòng Quản lý Văn hóa",
        level: 4,
        fee: 6_000_000,
        charge: 0,
    },
    Procedure {
        code: "2.006488",
        name: "Tổ chức biểu diễn nghệ thuật",
        sector: "Nghệ thuật biểu diễn",
        unit: "Phòng Quản lý Văn hóa",
        level: 4,
        fee: 0,
        charge: 0,
    },
    Procedure {
        code: "1.000933",
        name: "Cấp giấy phép, tổ chức lễ hội",
        sector: "Văn hóa cơ sở",
        unit: "Phòng Quản lý Văn hóa",
        level: 3,
        fee: 0,
        charge: 0,
    },
    Procedure {
        code: "1.001809",
        name: "Xác nhận đủ điều kiện cấp giấy phép hoạt động giám định cổ vật",
        sector: "Di sản văn hóa",
        unit: "Phòng Quản lý Di sản văn hóa",
        level: 3,
        fee: 0,
        charge: 500_000,
    },
    Procedure {
        code: "1.003901",
        name: "Cấp chứng chỉ hành nghề mua bán di vật, cổ vật, bảo vật quốc gia",
        sector: "Di sản văn hóa",
        unit: "Phòng Quản lý Di sản văn hóa",
        level: 2,
        fee: 0,
        charge: 500_000,
    },
    Procedure {
        code: "1.008598",
        name: "Cấp thẻ nhân viên tư vấn phòng, chống bạo lực gia đình",
        sector: "Gia đình",
        unit: "Phòng Gia đình",
        level: 4,
        fee: 0,
        charge: 0,
    },
    Procedure {
        code: "1.001469",
        name: "Cấp giấy chứng nhận đăng ký hoạt động của cơ sở trợ giúp nạn nhân bạo lực gia đình",
        sector: "Gia đình",
        unit: "Phòng Gia đình",
        level: 3,
        fee: 0,
        charge: 0,
    },
    Procedure {
        code: "2.000573",
        name: "Công nhận đẳng cấp vận động viên",
        sector: "Thể dục thể thao",
        unit: "Phòng Quản lý Thể thao",
        level: 2,
        fee: 0,
        charge: 0,
    },
    Procedure {
        code: "1.000954",
        name: "Cấp giấy chứng nhận đủ điều kiện kinh doanh hoạt động thể thao",
        sector: "Thể dục thể thao",
        unit: "Phòng Quản lý Thể thao",
        level: 4,
        fee: 1_000_000,
        charge: 0,
    },
    Procedure {
        code: "1.005955",
        name: "Cấp giấy phép kinh doanh dịch vụ lữ hành nội địa",
        sector: "Du lịch",
        unit: "Văn phòng Sở",
        level: 4,
        fee: 3_000_000,
        charge: 0,
    },
];

const HEADER: &str = "STT,Mã hồ sơ,Mã TTHC,Tên thủ tục hành chính,Lĩnh vực giải quyết,Cơ quan giải quyết,Mức độ DVCTT,Kênh nộp,Ngày nộp hồ sơ,Ngày tiếp nhận,Hạn giải quyết,Ngày có kết quả,Ngày trả,Trạng thái,Phí,Lệ phí (VNĐ),Thanh toán,Kết quả điện tử,Số hóa thành phần hồ sơ,Tái sử dụng dữ liệu,Liên thông,Luân chuyển bằng phương thức điện tử,Xác thực điện tử,Kết quả đánh giá,Kho dữ liệu cá nhân,Có PAKN";

/// The catalogue of the generated procedures (`--catalogue`): one row per procedure and unit,
/// undated (it describes the report's latest year). Every third procedure is also listed for the
/// Văn phòng Sở, which handles none of its dossiers, so that a service without dossiers exists.
const CATALOGUE_HEADER: &str = "Mã TTHC,Tên thủ tục,Lĩnh vực,Cơ quan thực hiện,Mức độ DVCTT,Đủ điều kiện DVCTT,Có phí, lệ phí,Thanh toán trực tuyến,Đối tượng thực hiện,Tích hợp Cổng DVCQG,Tích hợp Cổng DVC tỉnh";

fn write_catalogue(out: &mut impl Write) -> std::io::Result<()> {
    write!(
        out,
        "\u{feff}{}\r\n",
        CATALOGUE_HEADER.replace("Có phí, lệ phí", "\"Có phí, lệ phí\"")
    )?;
    for (index, p) in PROCEDURES.iter().enumerate() {
        let level = match p.level {
            4 => "Toàn trình",
            3 => "Một phần",
            _ => "Dịch vụ cung cấp thông tin",
        };
        let bearing = p.fee + p.charge > 0;
        let yes = |b: bool| if b { "Có" } else { "Không" };
        let who = if index % 2 == 0 {
            "Cá nhân, Tổ chức"
        } else {
            "Tổ chức"
        };
        let mut units = vec![p.unit];
        if index % 3 == 0 && p.unit != "Văn phòng Sở" {
            units.push("Văn phòng Sở");
        }
        for unit in units {
            write!(
                out,
                "{},{},{},{unit},{level},{},{},{},{},{},Có\r\n",
                p.code,
                quote(p.name),
                quote(p.sector),
                yes(p.level >= 2 && index % 7 != 3),
                yes(bearing),
                yes(bearing && index % 4 != 1),
                quote(who),
                yes(p.level >= 3),
            )?;
        }
    }
    Ok(())
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Day index 0 = 2021-01-01 → (year, month, day).
fn civil(mut index: i64) -> (i64, i64, i64) {
    let mut year = 2021;
    loop {
        let length = if year % 4 == 0 { 366 } else { 365 };
        if index < length {
            break;
        }
        index -= length;
        year += 1;
    }
    let mut month = 1;
    while index >= days_in_month(year, month) {
        index -= days_in_month(year, month);
        month += 1;
    }
    (year, month, index + 1)
}

fn stamp(day: i64, minutes: i64) -> String {
    let (y, m, d) = civil(day);
    format!("{d:02}/{m:02}/{y} {:02}:{:02}", minutes / 60, minutes % 60)
}

fn thousands(amount: u64) -> String {
    let digits = amount.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(ch);
    }
    out
}

fn quote(field: &str) -> String {
    if field.contains([',', '"', '\n']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

fn main() -> std::io::Result<()> {
    let mut rows: u64 = 3000;
    let mut seed: u64 = 2021;
    let mut canonical = false;
    let mut catalogue = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--catalogue" {
            catalogue = true;
            continue;
        }
        let value = args.next();
        let number = value.as_deref().and_then(|v| v.parse().ok());
        match (arg.as_str(), number, value.as_deref()) {
            ("--rows", Some(v), _) => rows = v,
            ("--seed", Some(v), _) => seed = v,
            ("--style", _, Some("canonical")) => canonical = true,
            ("--style", _, Some("vi")) => canonical = false,
            _ => {
                eprintln!(
                    "usage: generate [--rows N] [--seed S] [--style vi|canonical] > export.csv\n       generate --catalogue > catalogue.csv"
                );
                std::process::exit(2);
            }
        }
    }
    let mut rng = Rng(seed);
    // The columns added for the 766 index draw from their own stream, so the others stay what
    // they were for a given seed.
    let mut rng_766 = Rng(seed ^ 0x766);
    let out = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 20, out.lock());
    if catalogue {
        write_catalogue(&mut out)?;
        return out.flush();
    }
    if canonical {
        writeln!(out, "{CANONICAL_HEADER}")?;
    } else {
        write!(out, "\u{feff}{HEADER}\r\n")?;
    }
    let total_days = 5 * 365 + 1; // 2021-01-01 .. 2025-12-31
    let cutoff = total_days - 1;
    let mut per_day = std::collections::HashMap::new();
    for index in 0..rows {
        // Dossiers are spread evenly over the five years, in date order.
        let day = (index as i64 * total_days) / rows.max(1) as i64;
        let (year, month, dom) = civil(day);
        let progress = (year - 2021) as f64 / 4.0; // 0.0 in 2021 .. 1.0 in 2025
        let p = rng.pick(PROCEDURES);
        let serial = per_day.entry(day).and_modify(|n| *n += 1).or_insert(1u32);
        let id = format!(
            "000.00.17.H12-{:02}{month:02}{dom:02}-{serial:04}",
            year % 100
        );

        let online = p.level >= 3 && rng.chance(0.35 + 0.45 * progress) || rng.chance(0.03);
        let channel = if online {
            *rng.pick(&["Trực tuyến", "Dịch vụ công trực tuyến", "Qua mạng"])
        } else if rng.chance(0.04) {
            "Bưu chính công ích"
        } else {
            *rng.pick(&["Trực tiếp", "Tại quầy", ""])
        };
        let level = match p.level {
            4 => *rng.pick(&["4", "Mức độ 4", "Toàn trình"]),
            3 => *rng.pick(&["3", "Mức độ 3", "Một phần"]),
            _ => *rng.pick(&["2", "Mức độ 2"]),
        };
        let received_minutes = 7 * 60 + rng.below(10 * 60) as i64;
        let submitted_day = day - 1 - rng.below(2) as i64;
        let due_day = day + 5 + rng.below(10) as i64;
        let work_days = 1 + rng.below(16) as i64;
        let status_roll = rng.below(1000);
        let status = match status_roll {
            0..=9 => "Mới đăng ký",
            10..=29 => "Từ chối tiếp nhận",
            30..=44 => "Trả lại",
            45..=59 => "Rút hồ sơ",
            60..=99 => "Đang xử lý",
            100..=119 => "Yêu cầu bổ sung",
            120..=209 => "Đã xử lý xong",
            _ => "Đã trả kết quả",
        };
        let finished_day = day + work_days;
        let closed = matches!(status, "Trả lại" | "Rút hồ sơ");
        let finished = matches!(status, "Đã xử lý xong" | "Đã trả kết quả");
        let past_cutoff = finished_day + 2 > cutoff;
        let status = if (finished || closed) && past_cutoff {
            "Đang xử lý"
        } else {
            status
        };
        let finished = finished && !past_cutoff;
        let closed = closed && !past_cutoff;
        let finished_at = if finished || closed {
            stamp(finished_day, 8 * 60 + rng.below(9 * 60) as i64)
        } else {
            String::new()
        };
        let returned_at = if status == "Đã trả kết quả" {
            stamp(
                finished_day + 1 + rng.below(2) as i64,
                8 * 60 + rng.below(9 * 60) as i64,
            )
        } else {
            String::new()
        };
        let fee = if p.fee > 0 {
            thousands(p.fee)
        } else {
            "0".to_string()
        };
        let charge = if p.charge > 0 {
            thousands(p.charge)
        } else {
            String::new()
        };
        let bearing = p.fee + p.charge > 0;
        let payment = if !bearing {
            ""
        } else if online && rng.chance(0.15 + 0.55 * progress) {
            *rng.pick(&[
                "Thanh toán trực tuyến",
                "Nền tảng thanh toán",
                "Cổng thanh toán",
            ])
        } else {
            *rng.pick(&["Tiền mặt", "Chuyển khoản"])
        };
        let yes_no = |rng: &mut Rng, p: f64| if rng.chance(p) { "Có" } else { "Không" };
        let digitized = if finished {
            yes_no(&mut rng, 0.32 + 0.68 * progress)
        } else {
            ""
        };
        let dossier_digitized = yes_no(&mut rng, 0.4 + 0.5 * progress);
        let reused = yes_no(&mut rng, 0.1 + 0.75 * progress);
        let interagency = rng.chance(0.05);
        let transfer = if interagency {
            yes_no(&mut rng, 0.5 + 0.45 * progress)
        } else {
            ""
        };
        let authenticated = if online {
            yes_no(&mut rng, 0.2 + 0.8 * progress)
        } else {
            "Không"
        };
        let rating = if finished && rng.chance(0.4) {
            *rng.pick(&[
                "Rất hài lòng",
                "Hài lòng",
                "Hài lòng",
                "Rất hài lòng",
                "Hài lòng",
                "Rất hài lòng",
                "Hài lòng",
                "Hài lòng",
                "Hài lòng",
                "Bình thường",
            ])
        } else {
            ""
        };
        // 766: data taken from the citizen's data store grows with the years; a few dossiers
        // draw a complaint.
        let personal_store = yes_no(&mut rng_766, 0.05 + 0.4 * progress);
        let complaint = if rng_766.chance(0.02) { "Có" } else { "" };
        let record = [
            (index + 1).to_string(),
            id,
            p.code.to_string(),
            quote(p.name),
            p.sector.to_string(),
            p.unit.to_string(),
            level.to_string(),
            channel.to_string(),
            stamp(submitted_day.max(0), rng.below(24 * 60) as i64),
            stamp(day, received_minutes),
            stamp(due_day, 17 * 60),
            finished_at,
            returned_at,
            status.to_string(),
            fee,
            charge,
            payment.to_string(),
            digitized.to_string(),
            dossier_digitized.to_string(),
            reused.to_string(),
            if interagency { "Có" } else { "Không" }.to_string(),
            transfer.to_string(),
            authenticated.to_string(),
            rating.to_string(),
            personal_store.to_string(),
            complaint.to_string(),
        ];
        if canonical {
            writeln!(out, "{}", canonical_record(&record).join(","))?;
        } else {
            write!(out, "{}\r\n", record.join(","))?;
        }
    }
    out.flush()
}

/// The canonical field names, in the Vietnamese header's column order.
const CANONICAL_HEADER: &str = "seq,dossier_id,procedure_code,procedure_name,sector,unit,\
service_level,channel,submitted_at,received_at,due_at,finished_at,returned_at,status,fee,charge,\
payment_method,result_digitized,dossier_digitized,component_reused,interagency,\
transfer_electronic,vneid_authenticated,satisfaction,personal_store_used,complaint";

/// The same record in canonical form (see the module docs).
fn canonical_record(record: &[String]) -> Vec<String> {
    let iso = |text: &str| -> String {
        // dd/mm/yyyy HH:MM → yyyy-mm-dd HH:MM:00
        if text.len() < 16 {
            return String::new();
        }
        format!(
            "{}-{}-{} {}:00",
            &text[6..10],
            &text[3..5],
            &text[0..2],
            &text[11..16]
        )
    };
    let level = |text: &str| {
        text.trim_start_matches("Mức độ ")
            .replace("Toàn trình", "4")
            .replace("Một phần", "3")
    };
    let channel = |text: &str| match text {
        "Trực tuyến" | "Dịch vụ công trực tuyến" | "Qua mạng" => "online",
        "Bưu chính công ích" => "postal",
        _ => "direct",
    };
    let status = |text: &str| match text {
        "Mới đăng ký" => "new",
        "Từ chối tiếp nhận" => "refused",
        "Trả lại" => "stopped",
        "Rút hồ sơ" => "withdrawn",
        "Đang xử lý" => "processing",
        "Yêu cầu bổ sung" => "awaiting_supplement",
        "Đã xử lý xong" => "resolved",
        _ => "returned",
    };
    let amount = |text: &str| text.replace('.', "");
    let payment = |text: &str| match text {
        "" => "",
        "Tiền mặt" => "cash",
        "Chuyển khoản" => "bank_transfer",
        _ => "online",
    };
    let boolean = |text: &str| if text == "Có" { "true" } else { "false" };
    let rating = |text: &str| match text {
        "" => "",
        "Bình thường" => "neutral",
        "Rất hài lòng" => "very_satisfied",
        _ => "satisfied",
    };
    vec![
        record[0].clone(),
        record[1].clone(),
        record[2].clone(),
        record[3].clone(),
        record[4].clone(),
        record[5].clone(),
        level(&record[6]),
        channel(&record[7]).to_string(),
        iso(&record[8]),
        iso(&record[9]),
        iso(&record[10]),
        iso(&record[11]),
        iso(&record[12]),
        status(&record[13]).to_string(),
        amount(&record[14]),
        amount(&record[15]),
        payment(&record[16]).to_string(),
        boolean(&record[17]).to_string(),
        boolean(&record[18]).to_string(),
        boolean(&record[19]).to_string(),
        boolean(&record[20]).to_string(),
        boolean(&record[21]).to_string(),
        boolean(&record[22]).to_string(),
        rating(&record[23]).to_string(),
        boolean(&record[24]).to_string(),
        boolean(&record[25]).to_string(),
    ]
}

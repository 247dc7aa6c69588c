//! The rules of GUIDELINE.md the self-check covers, with their sources, in its order.

/// Whose the rule is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    /// The core meets it: a probe shows it.
    Core,
    /// The core meets its part: a probe shows that part.
    Partly,
    /// The operator's duty: the report says what the core supplies.
    Operator,
    /// Information only (no duty on the app).
    Info,
}

#[derive(Debug, Clone, Copy)]
pub struct Item {
    pub id: &'static str,
    /// G = PHR guideline, B = APPI chapter 4 (business), M = APPI chapter 5 (municipal).
    pub source: &'static str,
    pub requirement_ja: &'static str,
    pub requirement_en: &'static str,
    pub party: Party,
    /// For `Info` items: what to say.
    pub note_ja: &'static str,
    pub note_en: &'static str,
}

const fn item(
    id: &'static str,
    source: &'static str,
    requirement_ja: &'static str,
    requirement_en: &'static str,
    party: Party,
) -> Item {
    Item {
        id,
        source,
        requirement_ja,
        requirement_en,
        party,
        note_ja: "",
        note_en: "",
    }
}

pub const ITEMS: &[Item] = &[
    item(
        "S-01",
        "G",
        "健診等情報はすべて要配慮個人情報として扱う",
        "All health data in scope is sensitive personal information",
        Party::Core,
    ),
    item(
        "S-02",
        "G",
        "情報の出所（マイナポータル、医療機関、本人測定）を区別する",
        "Every record carries its source (Mynaportal, a clinic, self-measured)",
        Party::Core,
    ),
    item(
        "S-04",
        "G",
        "丁寧な同意：告知の版と要約、日時、行為者、範囲を記録し控えを渡す",
        "Careful consent: notice version and digest, time, actor and scope recorded; a receipt",
        Party::Partly,
    ),
    item(
        "S-05",
        "B art. 21(2); M art. 62",
        "直接取得の前に利用目的を示す",
        "The purpose is shown before data is collected",
        Party::Core,
    ),
    item(
        "S-06",
        "G; B art. 27",
        "健診等情報の第三者提供には本人の同意が必要（オプトアウト不可）",
        "Third-party provision needs the person's consent; no opt-out",
        Party::Core,
    ),
    item(
        "S-07",
        "B art. 20(2)",
        "要配慮個人情報の取得には事前の同意が必要",
        "Acquiring sensitive data needs prior consent",
        Party::Partly,
    ),
    item(
        "S-08",
        "B art. 28; rule 17(2)",
        "外国の提供先：国名、その国の制度、提供先の措置を同意の前に示す",
        "A recipient abroad: country, its regime and the recipient's measures shown before consent",
        Party::Core,
    ),
    item(
        "S-09",
        "B arts. 17(2), 18(1), 21(3); M art. 61(3)",
        "利用目的の変更は通知し、範囲外の利用には新たな同意",
        "A purpose change is notified; use beyond it needs new consent",
        Party::Core,
    ),
    item(
        "S-10",
        "–",
        "撤回でそれ以後の提供が止まる",
        "Withdrawal stops further provision",
        Party::Core,
    ),
    item(
        "S-11",
        "G; B art. 23; M art. 66",
        "漏えい・滅失・毀損を防ぐ安全管理措置",
        "Safeguards against leakage, loss and damage",
        Party::Partly,
    ),
    item(
        "S-12",
        "G (draft §2.1)",
        "取得から廃棄までの各段階の取扱手順を文書化する",
        "A written handling procedure for each stage",
        Party::Operator,
    ),
    item(
        "S-13",
        "G",
        "第三者認証（ISMS、プライバシーマーク）",
        "Third-party certification (ISMS or Privacy Mark)",
        Party::Operator,
    ),
    item(
        "S-14",
        "G",
        "安全管理の基本方針、資産の分類、取扱状況の確認手段",
        "Security policy, asset classification, ways to check handling",
        Party::Operator,
    ),
    item(
        "S-15",
        "PPC guidelines 10-6",
        "識別と認証、失敗が続いたときの停止",
        "Identification and authentication; a stop after repeated failures",
        Party::Core,
    ),
    item(
        "S-16",
        "rule 7(1); B art. 26; M art. 68",
        "漏えい時の報告（高度な暗号化の有無）",
        "Leak reports (unless strongly encrypted)",
        Party::Partly,
    ),
    item(
        "S-17",
        "B art. 32",
        "運営者名・住所・代表者・目的・請求手続・安全管理措置・苦情窓口を本人の知り得る状態に置く",
        "Keep known: operator, address, representative, purposes, request procedure, safety measures, complaint window",
        Party::Core,
    ),
    item(
        "S-18",
        "B art. 33; M art. 76",
        "本人が選ぶ電磁的方法による開示",
        "Disclosure in the electronic form the person chooses",
        Party::Core,
    ),
    item(
        "S-19",
        "B arts. 29, 33(5)",
        "第三者提供の記録（年月日、提供先、項目）を約3年保存し本人に開示する",
        "A record of each provision (date, recipient, items), kept ~3 years, disclosable",
        Party::Core,
    ),
    item(
        "S-20",
        "B art. 35",
        "利用停止・消去・第三者提供の停止の請求に応じる",
        "Stop of use, erasure and stop of provision on request",
        Party::Core,
    ),
    item(
        "S-21",
        "B art. 34",
        "訂正の請求に応じる",
        "Correction on request",
        Party::Partly,
    ),
    item(
        "S-22",
        "M art. 76(2); B",
        "法定代理人・任意代理人による請求",
        "Requests by a legal representative or an appointed agent",
        Party::Partly,
    ),
    item(
        "S-23",
        "G",
        "本人の求めによる消去",
        "Erasure on the person's request",
        Party::Core,
    ),
    item(
        "S-24",
        "B art. 22; M art. 61(2)",
        "不要になったら遅滞なく消去し、保存期間を定める",
        "Delete when no longer needed; set retention periods",
        Party::Core,
    ),
    item(
        "S-25",
        "G (draft §4.2)",
        "サービス終了時に書き出しの猶予を与える",
        "At service end, leave users time to export",
        Party::Core,
    ),
    item(
        "S-26",
        "G",
        "マイナポータル等と使える標準形式での入出力",
        "Import and export in standard formats usable with Mynaportal",
        Party::Core,
    ),
    item(
        "S-27",
        "G (draft)",
        "連携先のガイドライン遵守を確認してから連携する",
        "Check a partner's compliance before linking",
        Party::Partly,
    ),
    item(
        "S-28",
        "G",
        "自己チェックとその結果の公表",
        "Self-check and publication of the result",
        Party::Partly,
    ),
    item(
        "S-29",
        "M art. 58(2)",
        "地方公共団体は第5章の規律に従う",
        "A municipality follows chapter 5",
        Party::Core,
    ),
    item(
        "S-30",
        "M art. 61(1)",
        "法令の定める所掌事務に必要な範囲で、目的をできる限り特定して保有する",
        "Hold only as needed for duties set by law, purposes specified",
        Party::Core,
    ),
    item(
        "S-31",
        "M",
        "個人情報ファイル簿への記載（要配慮個人情報、経常的提供先）",
        "The personal information file register",
        Party::Operator,
    ),
    item(
        "S-32",
        "M; PPC Q3-3-2",
        "目的外の利用・提供をしない（経常的な提供は目的に含める）",
        "No use or provision beyond the declared flows",
        Party::Core,
    ),
    item(
        "S-33",
        "M; PPC Q3-3-5",
        "行政機関等にオプトアウトによる提供はない",
        "No opt-out provision for municipal organs",
        Party::Core,
    ),
    Item {
        note_ja: "同一の地方公共団体の機関間の移動も提供：プロファイルでは機関ごとに提供先を分けて宣言する",
        note_en: "Moving data between organs of one municipality is provision: the profile declares each organ as its own recipient",
        ..item(
            "S-35",
            "M",
            "同一団体内の機関間の移動は提供にあたる",
            "Moving data between organs is provision",
            Party::Info,
        )
    },
    Item {
        note_ja: "法の利用停止請求は違反時に限られる（開示から90日以内）が、アプリは消去と提供停止をいつでも受け付ける（S-20、S-23）",
        note_en: "The law's demand to stop use is limited to violations (within 90 days of disclosure); the app still offers erasure and stop of provision at any time (S-20, S-23)",
        ..item(
            "S-36",
            "M art. 98",
            "利用停止請求の要件",
            "When residents may demand a stop of use",
            Party::Info,
        )
    },
    item(
        "S-37",
        "M art. 68",
        "行政機関等の漏えい等の報告",
        "Leak reports for public bodies",
        Party::Partly,
    ),
];

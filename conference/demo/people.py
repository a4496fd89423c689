"""The demo congress's delegates: plausible Vietnamese names drawn from lists with a fixed seed
(the same 300 people on every machine), their units and delegations, and drawn portraits."""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw

SEED = 19
OFFICIAL_COUNT = 276
# Surnames weighted roughly as they are common in Vietnam.
SURNAMES = [("Nguyễn", 30), ("Trần", 11), ("Lê", 10), ("Phạm", 7), ("Hoàng", 5), ("Phan", 5),
            ("Võ", 5), ("Đặng", 3), ("Bùi", 3), ("Đỗ", 3), ("Hồ", 3), ("Ngô", 2), ("Dương", 2),
            ("Lý", 1), ("Đinh", 2), ("Thái", 1), ("Đào", 1), ("Trương", 1)]
MIDDLE = {"male": ["Văn", "Hữu", "Đức", "Minh", "Quang", "Xuân", "Đình", "Công", "Thanh",
                   "Anh", "Ngọc", "Trọng"],
          "female": ["Thị", "Thị", "Thị", "Thị Thu", "Thị Thanh", "Thị Hồng", "Thị Minh",
                     "Ngọc", "Thu", "Thị Kim"]}
GIVEN = {"male": ["Hùng", "Dũng", "Tuấn", "Nam", "Long", "Hải", "Sơn", "Thắng", "Phong", "Quân",
                  "Bình", "Cường", "Hiếu", "Trung", "Kiên", "Lâm", "Đạt", "Toàn", "Vinh", "Hòa",
                  "Thành", "Tùng", "Khánh", "Nghĩa", "Lợi", "Quý", "Tâm", "Việt"],
         "female": ["Lan", "Hương", "Hoa", "Mai", "Hạnh", "Linh", "Trang", "Thảo", "Nga", "Hà",
                    "Hằng", "Yến", "Nhung", "Phương", "Thủy", "Loan", "Dung", "Liên", "Oanh",
                    "Vân", "Huyền", "Tuyết", "Hiền", "Giang", "Quyên", "Ngân"]}
# Delegation -> the units its delegates come from.
DELEGATIONS = {
    "LĐLĐ thành phố Hà Tĩnh": ["Công đoàn Trường THPT Phan Đình Phùng",
                               "Công đoàn Công ty CP Cấp nước Hà Tĩnh",
                               "Công đoàn phường Nguyễn Du"],
    "LĐLĐ thị xã Hồng Lĩnh": ["Công đoàn Trường THCS Nam Hồng",
                              "Công đoàn Bệnh viện Đa khoa thị xã Hồng Lĩnh"],
    "LĐLĐ thị xã Kỳ Anh": ["Công đoàn Công ty TNHH Gang thép Hưng Nghiệp Formosa",
                           "Công đoàn Cảng Sơn Dương", "Công đoàn Trường Tiểu học Kỳ Trinh"],
    "LĐLĐ huyện Cẩm Xuyên": ["Công đoàn Trường THPT Cẩm Xuyên",
                             "Công đoàn Trung tâm Y tế huyện Cẩm Xuyên"],
    "LĐLĐ huyện Thạch Hà": ["Công đoàn Công ty CP Sản xuất Thương mại Thạch Hà",
                            "Công đoàn Trường Mầm non Thạch Đài"],
    "LĐLĐ huyện Can Lộc": ["Công đoàn Trường THPT Can Lộc", "Công đoàn Công ty May Can Lộc"],
    "LĐLĐ huyện Đức Thọ": ["Công đoàn Trường THCS Đức Thọ",
                           "Công đoàn Trung tâm Y tế huyện Đức Thọ"],
    "LĐLĐ huyện Hương Sơn": ["Công đoàn Công ty TNHH MTV Cao su Hương Sơn",
                             "Công đoàn Trường THPT Hương Sơn"],
    "LĐLĐ huyện Hương Khê": ["Công đoàn Công ty Chè Hương Khê",
                             "Công đoàn Trường Tiểu học Phúc Đồng"],
    "LĐLĐ huyện Nghi Xuân": ["Công đoàn Trường THPT Nguyễn Du",
                             "Công đoàn Công ty Thủy sản Xuân Thành"],
    "LĐLĐ huyện Vũ Quang": ["Công đoàn Vườn Quốc gia Vũ Quang",
                            "Công đoàn Trường THCS Vũ Quang"],
    "LĐLĐ huyện Lộc Hà": ["Công đoàn Trường THPT Lộc Hà", "Công đoàn xã Thạch Kim"],
    "LĐLĐ huyện Kỳ Anh": ["Công đoàn Trường THPT Kỳ Anh",
                          "Công đoàn Trung tâm Y tế huyện Kỳ Anh"],
    "Công đoàn ngành Giáo dục": ["Công đoàn Trường Đại học Hà Tĩnh",
                                 "Công đoàn Trường THPT Chuyên Hà Tĩnh"],
    "Công đoàn ngành Y tế": ["Công đoàn Bệnh viện Đa khoa tỉnh Hà Tĩnh",
                             "Công đoàn Trung tâm Kiểm soát bệnh tật tỉnh"],
    "Công đoàn Khu kinh tế tỉnh": ["Công đoàn Công ty Nhiệt điện Vũng Áng",
                                   "Công đoàn Công ty CP Cảng Vũng Áng Việt Lào"],
    "Công đoàn Viên chức tỉnh": ["Công đoàn Sở Lao động - Thương binh và Xã hội",
                                 "Công đoàn Văn phòng UBND tỉnh"],
}
POSITIONS = ["Chủ tịch Công đoàn cơ sở", "Phó Chủ tịch Công đoàn cơ sở",
             "Ủy viên Ban Chấp hành Công đoàn cơ sở", "Tổ trưởng Công đoàn", "Công nhân",
             "Giáo viên", "Bác sĩ", "Điều dưỡng", "Kỹ sư", "Kế toán", "Chuyên viên"]
DELEGATION_LEADERS = ["Chủ tịch", "Phó Chủ tịch"]
GUESTS = [  # (unit, position)
    ("Tổng Liên đoàn Lao động Việt Nam", "Phó Chủ tịch"),
    ("Tổng Liên đoàn Lao động Việt Nam", "Trưởng Ban Tổ chức"),
    ("Tỉnh ủy Hà Tĩnh", "Phó Bí thư Tỉnh ủy"),
    ("Tỉnh ủy Hà Tĩnh", "Trưởng Ban Dân vận"),
    ("Hội đồng nhân dân tỉnh Hà Tĩnh", "Phó Chủ tịch"),
    ("Ủy ban nhân dân tỉnh Hà Tĩnh", "Phó Chủ tịch"),
    ("Ủy ban MTTQ Việt Nam tỉnh Hà Tĩnh", "Chủ tịch"),
    ("Sở Lao động - Thương binh và Xã hội", "Giám đốc"),
    ("Sở Giáo dục và Đào tạo", "Phó Giám đốc"),
    ("Sở Y tế", "Phó Giám đốc"),
    ("Tỉnh đoàn Hà Tĩnh", "Bí thư"),
    ("Hội Liên hiệp Phụ nữ tỉnh", "Chủ tịch"),
    ("Hội Nông dân tỉnh", "Phó Chủ tịch"),
    ("Hội Cựu chiến binh tỉnh", "Phó Chủ tịch"),
    ("LĐLĐ tỉnh Nghệ An", "Chủ tịch"),
    ("LĐLĐ tỉnh Quảng Bình", "Phó Chủ tịch"),
    ("Báo Hà Tĩnh", "Phóng viên"),
    ("Báo Lao Động", "Phóng viên"),
    ("Đài Phát thanh - Truyền hình Hà Tĩnh", "Phóng viên"),
    ("Công an tỉnh Hà Tĩnh", "Phó Giám đốc"),
    ("Bộ Chỉ huy Quân sự tỉnh", "Phó Chỉ huy trưởng"),
    ("Ngân hàng Nhà nước chi nhánh Hà Tĩnh", "Giám đốc"),
    ("Bảo hiểm xã hội tỉnh", "Giám đốc"),
    ("Hiệp hội Doanh nghiệp tỉnh", "Chủ tịch"),
]
GUEST_DELEGATION = "Khách mời"
# What the credentials report counts. Units of enterprises by sector; the others are public
# administration and services (schools, hospitals, offices, the unions themselves).
SECTORS = {"Công ty TNHH Gang thép Hưng Nghiệp Formosa": "foreign", "Cảng Sơn Dương": "foreign",
           "Công ty Nhiệt điện Vũng Áng": "state_enterprise",
           "Công ty CP Cảng Vũng Áng Việt Lào": "state_enterprise",
           "Công ty TNHH MTV Cao su Hương Sơn": "state_enterprise",
           "Công ty CP Cấp nước Hà Tĩnh": "state_enterprise",
           "Công ty CP Sản xuất Thương mại Thạch Hà": "private", "Công ty May Can Lộc": "private",
           "Công ty Chè Hương Khê": "private", "Công ty Thủy sản Xuân Thành": "private"}
# (value, weight); "" is a record that leaves it empty, so the report shows "not stated".
ETHNICITIES = [("Kinh", 95), ("Mường", 1), ("Thái", 1), ("Tày", 1), ("", 2)]
MINORITIES_PRESENT = {21: "Mường", 28: "Thái", 35: "Tày"}  # official delegates' indexes
EDUCATION = {"workers": [("vocational", 50), ("untrained", 20), ("college", 15),
                         ("university", 15)],
             "others": [("university", 68), ("master", 17), ("college", 8), ("doctor", 2),
                        ("vocational", 3), ("", 2)]}
THEORY = [("elementary", 40), ("intermediate", 25), ("none", 22), ("advanced", 6), ("", 7)]
ABSENCE_REASONS = ["Ốm, điều trị tại bệnh viện", "Đi công tác nước ngoài theo quyết định của "
                   "cơ quan", "Việc gia đình đột xuất (có đơn xin phép)", "Nghỉ sinh con"]


def _pick(rng: random.Random, weighted: list[tuple[str, int]]) -> str:
    return rng.choices([value for value, _w in weighted], [w for _v, w in weighted])[0]


def _credentials(rng: random.Random, person: dict, leader: bool) -> dict:
    """Plausible fields for the credentials report: leaders older, ex officio, party members
    with advanced political theory; workers mostly with vocational training."""
    if leader:
        age = rng.randint(45, 58)
    else:  # a quarter young workers, the rest of every age
        age = rng.randint(24, 35) if rng.random() < 0.25 else rng.randint(30, 60)
    born = f"{2023 - age}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    workers = person["position"] in ("Công nhân", "Tổ trưởng Công đoàn")
    return {
        "birth_date": born, "ethnicity": _pick(rng, ETHNICITIES),
        "education": _pick(rng, EDUCATION["workers" if workers else "others"]),
        "theory_level": "advanced" if leader else _pick(rng, THEORY),
        "party_member": "yes" if leader else _pick(rng, [("yes", 78), ("no", 20), ("", 2)]),
        "sector": SECTORS.get(person["unit"].removeprefix("Công đoàn "), "public"),
        "mandate": "ex_officio" if leader else _pick(rng, [("elected", 92), ("appointed", 8)])}


def _name(rng: random.Random, gender: str) -> str:
    surname = rng.choices([s for s, _w in SURNAMES], [w for _s, w in SURNAMES])[0]
    return f"{surname} {rng.choice(MIDDLE[gender])} {rng.choice(GIVEN[gender])}"


def demo_delegates() -> list[dict]:
    """About 300 delegates as the register form takes them: official ones spread over the
    delegations (each led by its union's chair), then the invited guests."""
    rng = random.Random(SEED)  # noqa: S311 -- the same made-up people everywhere, no secret
    people = []
    names: set[str] = set()

    def person(gender: str) -> str:
        while (name := _name(rng, gender)) in names:  # one name, one person: easy to search
            pass
        names.add(name)
        return name

    # The credentials fields come from a generator of their own, so adding one moves no name.
    facts = random.Random(f"{SEED}-credentials")  # noqa: S311 -- made-up people, no secret
    delegations = list(DELEGATIONS)
    for index in range(OFFICIAL_COUNT):
        delegation = delegations[index % len(delegations)]
        leader = index < len(delegations)
        gender = rng.choices(["male", "female"], [62, 38])[0]  # about a third are women
        people.append({
            "full_name": person(gender), "gender": gender, "category": "official",
            "delegation": delegation,
            "unit": delegation if leader else rng.choice(DELEGATIONS[delegation]),
            "position": DELEGATION_LEADERS[0] if leader else rng.choice(POSITIONS),
            "seat": f"{'ABCDEFGH'[index // 40]}-{index % 40 + 1:02d}"})
        people[-1] |= _credentials(facts, people[-1], leader)
    # A few of those the demo checks in are of ethnic minorities, so the report shows them.
    for index, ethnicity in MINORITIES_PRESENT.items():
        people[index]["ethnicity"] = ethnicity
    # The last few official delegates (never checked in by the demo) sent word why.
    for person_, reason in zip(people[OFFICIAL_COUNT - len(ABSENCE_REASONS):], ABSENCE_REASONS,
                               strict=True):
        person_["absence_reason"] = reason
    for index, (unit, position) in enumerate(GUESTS):
        gender = rng.choice(["male", "male", "female"])
        people.append({"full_name": person(gender), "gender": gender, "category": "guest",
                       "delegation": GUEST_DELEGATION, "unit": unit, "position": position,
                       "seat": f"K-{index + 1:02d}"})
    return people


def portrait(index: int, gender: str) -> bytes:
    """A simple drawn head-and-shoulders picture (JPEG), different for each `index`."""
    rng = random.Random(f"portrait-{index}")  # noqa: S311 -- a drawing, no secret
    backgrounds = [(214, 228, 240), (232, 222, 206), (222, 236, 222), (238, 226, 232)]
    skins = [(241, 204, 170), (224, 181, 140), (236, 194, 158)]
    width, height = 480, 600
    image = Image.new("RGB", (width, height), rng.choice(backgrounds))
    draw = ImageDraw.Draw(image)
    shirt = rng.choice([(250, 250, 250), (40, 60, 110), (120, 30, 40), (70, 90, 70)])
    draw.ellipse((60, 420, 420, 780), fill=shirt)  # shoulders
    skin = rng.choice(skins)
    draw.rectangle((205, 360, 275, 440), fill=skin)  # neck
    hair = rng.choice([(25, 20, 18), (45, 32, 25), (60, 45, 35)])
    if gender == "female":
        draw.ellipse((130, 120, 350, 470), fill=hair)  # long hair behind the face
    draw.ellipse((150, 140, 330, 380), fill=skin)  # face
    draw.chord((145, 120, 335, 300), 180, 360, fill=hair)  # hair on top
    for eye_x in (205, 275):
        draw.ellipse((eye_x - 9, 250, eye_x + 9, 262), fill=(40, 30, 25))
    draw.arc((210, 290, 270, 330), 20, 160, fill=(150, 70, 60), width=4)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()

#!/usr/bin/env python3
"""Build the Tidepool Outfitters demo store data.

Product names, descriptions and customers below are written by hand; this script only
adds the mechanical parts deterministically (ids, slugs, URLs, variant stock, ratings,
orders) with a fixed random seed, so running it again gives byte-identical output:

    python scripts/gen_demo_data.py          # writes data/store/{catalog.jsonl,customers.json,orders.json}

Standard library only.
"""
from __future__ import annotations

import json
import random
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "data" / "store"
BASE_URL = "https://tidepool.example"
SEED = 20240521

CAT_CODE = {
    "jackets": "JKT", "tops": "TOP", "pants": "PNT", "footwear": "FTW", "backpacks": "BPK",
    "tents": "TNT", "sleeping": "SLP", "camp_kitchen": "KIT", "accessories": "ACC",
    "lighting": "LGT", "hydration": "HYD",
}
BRANDS = {"Tidepool", "Ridgeline", "Saltmarsh", "Emberfox", "Kestrel", "Hollowpine", "Bluegill"}
COLOURS = {"black", "white", "grey", "navy", "blue", "green", "olive", "red", "orange", "yellow",
           "pink", "purple", "brown", "beige"}
APPAREL = ["XS", "S", "M", "L", "XL", "XXL"]

PRODUCTS: list[dict] = []


def _sizes(spec):
    if isinstance(spec, list):
        return spec
    if spec == "one":
        return ["one size"]
    if spec.startswith("EU"):
        lo, hi = spec[2:].split("-")
        return [str(n) for n in range(int(lo), int(hi) + 1)]
    lo, hi = spec.split("-")
    return APPAREL[APPAREL.index(lo):APPAREL.index(hi) + 1]


def P(cat, name, name_zh, brand, price, desc, desc_zh, colors, sizes, **attrs):
    """Register one hand-written product. Special keys: oos (all variants sold out), rating, popularity."""
    assert cat in CAT_CODE and brand in BRANDS, (cat, brand)
    assert (name_zh is None) == (desc_zh is None), name
    colours = colors.split()
    assert set(colours) <= COLOURS, (name, colours)
    PRODUCTS.append({
        "cat": cat, "name": name, "name_zh": name_zh, "brand": brand, "price": price,
        "desc": desc, "desc_zh": desc_zh, "colors": colours, "sizes": _sizes(sizes),
        "oos": attrs.pop("oos", False), "rating": attrs.pop("rating", None),
        "popularity": attrs.pop("popularity", None), "attrs": attrs,
    })


# --------------------------------------------------------------------------------------------
# JACKETS
# --------------------------------------------------------------------------------------------
P("jackets", "Harbor Shell 2.5L Rain Jacket", "港湾 2.5 层防水夹克", "Tidepool", 149.00,
  "Our everyday answer to Pacific Northwest drizzle: a 2.5-layer recycled nylon shell rated to 20,000 mm "
  "waterproof and 20,000 g/m²/24h breathable, with fully taped seams. Pit zips dump heat on the climbs, and the "
  "whole jacket packs into its own chest pocket. Weighs 340 g in size M.",
  "专为太平洋西北地区连绵细雨打造的日常雨衣：2.5 层再生尼龙面料，防水指数 20,000 毫米，透气性 20,000 克/平方米/24 小时，"
  "全压胶接缝。腋下拉链便于爬坡时散热，整件可收纳进自身胸袋。M 码重 340 克。",
  "navy olive yellow", "XS-XXL", material="2.5-layer recycled nylon", gender="unisex", waterproof=True,
  weight_g=340, waterproof_rating_mm=20000, rating=4.7, popularity=4210)
P("jackets", "Salt Spray Women's Rain Jacket", "浪花女款防水外套", "Saltmarsh", 129.00,
  "A longer, hip-covering rain jacket cut for women, with a fixed hood and a stiffened brim that keeps rain off "
  "your glasses. The 2-layer polyester shell is rated 10,000 mm with a soft mesh lining, so it feels fine over a "
  "T-shirt. Weighs 480 g.",
  "女款加长版型雨衣，下摆可遮住臀部，固定式帽子配有硬挺帽檐，雨水不会打到眼镜上。2 层聚酯面料防水指数 10,000 毫米，"
  "内衬柔软网布，直接穿在 T 恤外面也很舒服。重 480 克。",
  "pink navy green", "XS-XL", material="2-layer polyester, mesh lining", gender="women", waterproof=True,
  weight_g=480, waterproof_rating_mm=10000)
P("jackets", "Summit Pro 3L Hardshell", "巅峰 Pro 三层硬壳冲锋衣", "Ridgeline", 389.00,
  "Built for sleet on exposed ridges: a 3-layer shell with a 28,000 mm waterproof rating, helmet-compatible "
  "hood and two chest pockets that stay reachable above a harness hip belt. Reinforced 70D shoulders shrug off "
  "pack straps and rock. 460 g in size M.",
  "为暴露山脊上的冻雨而生：三层硬壳面料，防水指数 28,000 毫米，帽子可容纳头盔，两个胸袋在系上安全带或背包腰带时依然伸手可及。"
  "肩部采用 70D 加强面料，耐背带和岩石摩擦。M 码重 460 克。",
  "red black blue", "S-XXL", material="3-layer nylon with waterproof-breathable membrane", gender="unisex",
  waterproof=True, weight_g=460, waterproof_rating_mm=28000, rating=4.8, popularity=960)
P("jackets", "Driftwood 700 Down Jacket", "漂木 700 蓬羽绒服", "Hollowpine", 219.00,
  "Warm, light and happy in a stuff sack: 150 g of 700-fill-power responsibly sourced duck down inside a 20D "
  "ripstop shell with a water-repellent finish. It is not waterproof, so wear a shell over it in steady rain. "
  "Weighs 390 g and packs into its own hand pocket.",
  "轻盈保暖，收纳方便：内充 150 克 700 蓬负责任来源鸭绒，外层为 20D 格子防撕裂面料，带拒水涂层。本品不防水，持续下雨时请外搭硬壳。"
  "重 390 克，可收纳进自身的手插袋。",
  "black olive orange", "XS-XXL", material="20D ripstop nylon, 700-fill duck down", gender="unisex",
  waterproof=False, weight_g=390, fill_power=700, rating=4.6, popularity=2875)
P("jackets", "Cedar Hollow Women's Synthetic Puffy", "雪松谷女款合成棉保暖夹克", "Hollowpine", 169.00,
  "A hooded women's puffy with 100 g/m² recycled synthetic insulation that keeps its loft when it gets damp, "
  "which around here is most days. Elastic cuffs, a drop-in inner pocket for gloves, and a DWR-treated shell. "
  "Weighs 450 g.",
  "女款连帽保暖夹克，填充 100 克/平方米再生合成保暖棉，受潮后依然蓬松保暖——在我们这儿几乎天天用得上。"
  "弹力袖口，内侧有可放手套的敞口袋，外层经拒水处理。重 450 克。",
  "navy brown purple", "XS-XL", material="recycled polyester, synthetic insulation", gender="women",
  waterproof=False, weight_g=450)
P("jackets", "Featherweight Wind Shell", "羽量防风皮肤衣", "Kestrel", 89.00,
  "A 95 g wind shell in 15D nylon that stuffs into its chest pocket, roughly the size of an apple. The DWR "
  "finish shrugs off a passing shower but it is water-resistant, not waterproof. Reflective hits on the back and "
  "cuffs for dawn runs.",
  "仅重 95 克的 15D 尼龙防风衣，可塞进自身胸袋，收纳后大约一个苹果大小。拒水涂层可应付短暂阵雨，但只是防泼水、并非完全防水。"
  "背部和袖口有反光点，适合清晨跑步。",
  "yellow blue grey", "XS-XXL", material="15D nylon with DWR", gender="unisex", waterproof=False, weight_g=95,
  rating=4.4, popularity=1830)
P("jackets", "Beachcomber Fleece Jacket", "拾贝抓绒外套", "Tidepool", 79.00,
  "The fleece that lives in the car for cold beach evenings: 300-weight fleece made from recycled bottles, a "
  "full zip, and two zippered hand pockets deep enough for a phone. Weighs 520 g.",
  "常备在车里、适合海边冷夜的抓绒外套：300 克重再生塑料瓶抓绒，全开襟拉链，两个带拉链的手插袋，深度足以放下手机。重 520 克。",
  "beige green navy grey", "XS-XXL", material="300-weight recycled polyester fleece", gender="unisex",
  waterproof=False, weight_g=520, rating=4.5, popularity=3650)
P("jackets", "Campfire Wool Shirt Jacket", "篝火羊毛衬衫夹克", "Emberfox", 98.00,
  "A heavy shirt jacket with an 80% wool, 20% nylon face that copes with stray campfire sparks far better than "
  "synthetics, lined with quilted polyester for warmth. Snap front and two chest pockets. Weighs 720 g.",
  "厚实的衬衫式夹克，面料为 80% 羊毛与 20% 尼龙，比纯化纤更耐篝火火星，内衬绗缝聚酯保暖层。按扣门襟，两个胸袋。重 720 克。",
  "red olive brown", "S-XXL", material="80% wool / 20% nylon, quilted polyester lining", gender="unisex",
  waterproof=False, weight_g=720)
P("jackets", "Kids' Puddle Jumper Rain Jacket", "儿童跳水坑雨衣", "Bluegill", 54.00,
  "Made for kids who head straight for the biggest puddle: PU-coated polyester rated 5,000 mm with taped seams, "
  "reflective stripes and a name label inside the collar. Kids' sizes XS (4-5 yrs) to L (12-14 yrs).",
  "专为一见水坑就往里跳的孩子设计：PU 涂层聚酯面料，防水指数 5,000 毫米，压胶接缝，配反光条，领口内侧有写名字的标签。"
  "儿童尺码 XS（4-5 岁）至 L（12-14 岁）。",
  "yellow red blue pink", "XS-L", material="PU-coated polyester", age="kids", waterproof=True, weight_g=280,
  waterproof_rating_mm=5000, rating=4.8, popularity=2240)
P("jackets", "Traverse Softshell Jacket", "横越软壳夹克", "Ridgeline", 159.00,
  "A stretchy, breathable softshell for windy days on the move: 88% nylon and 12% elastane with a brushed inner "
  "face and a DWR finish. It blocks most wind and light showers but is not waterproof. Weighs 510 g.",
  "适合大风天行进中穿着的弹力透气软壳：88% 尼龙与 12% 氨纶，内里磨毛，外层拒水处理。能挡住大部分风和小阵雨，但并不防水。重 510 克。",
  "black grey blue", "XS-XXL", material="88% nylon / 12% elastane", gender="unisex", waterproof=False, weight_g=510)
P("jackets", "Longshore Insulated Parka", "长岸保暖派克大衣", "Saltmarsh", 279.00,
  "A mid-thigh parka for ferry decks and winter dog walks: a 15,000 mm waterproof shell, 200 g synthetic "
  "insulation, fleece-lined hand pockets and a two-way zip so you can sit down comfortably. Weighs 1,150 g.",
  "适合渡轮甲板和冬日遛狗的及大腿中部派克大衣：外层防水指数 15,000 毫米，填充 200 克合成保暖棉，手插袋内衬抓绒，"
  "双向拉链方便坐下。重 1,150 克。",
  "black olive navy", "XS-XXL", material="2-layer polyester, synthetic insulation", gender="unisex",
  waterproof=True, weight_g=1150, waterproof_rating_mm=15000, rating=4.6, popularity=1120)
P("jackets", "Fogline Insulated Vest", "雾线保暖马甲", "Tidepool", 95.00,
  "A layering vest with 80 g recycled synthetic fill that keeps your core warm without cooking your arms. "
  "Zippered hand pockets and an internal chest pocket; packs into a 20 x 12 cm bundle. Weighs 210 g.",
  "叠穿用保暖马甲，填充 80 克再生合成棉，保暖躯干又不会让手臂闷热。带拉链手插袋和内胸袋，收纳后约 20 x 12 厘米。重 210 克。",
  "black olive orange blue", "XS-XXL", material="recycled nylon, synthetic insulation", gender="unisex",
  waterproof=False, weight_g=210)
P("jackets", "Stormrunner 3L Running Jacket", None, "Kestrel", 179.00,
  "A 185 g three-layer jacket for runners and fast hikers, rated 20,000 mm waterproof with taped seams. It "
  "packs down to fist size and has a rear hem pocket that doubles as its stuff sack.",
  None,
  "orange black", "XS-XL", material="3-layer nylon", gender="unisex", waterproof=True, weight_g=185,
  waterproof_rating_mm=20000)
P("jackets", "Heritage Boiled Wool Anorak", "传承煮羊毛套头衫", "Hollowpine", 119.00,
  "Clearance, final sale. A half-zip pullover in 100% boiled wool with a big kangaroo pocket; dense enough to "
  "block a sea breeze, but not waterproof. Weighs 780 g. Originally $189.",
  "清仓特卖，不退不换。100% 煮羊毛半拉链套头衫，前身大袋鼠口袋；面料紧密，可挡海风，但不防水。重 780 克。原价 189 美元。",
  "grey green brown", "S-XL", material="100% boiled wool", gender="unisex", waterproof=False, weight_g=780,
  final_sale=True, was_price=189.00, rating=4.2, popularity=430)
P("jackets", "Kids' Snowline Insulated Jacket", "儿童雪线保暖滑雪服", "Ridgeline", 89.00,
  "A waterproof insulated jacket for snow days: 10,000 mm shell, 120 g synthetic fill, and a grow-cuff seam "
  "that lets out an extra 3 cm of sleeve when they shoot up. Kids' sizes XS (4-5 yrs) to L (12-14 yrs).",
  "适合雪天的防水保暖外套：外层防水指数 10,000 毫米，填充 120 克合成棉，袖口有“长大缝线”，孩子长个后可放长 3 厘米。"
  "儿童尺码 XS（4-5 岁）至 L（12-14 岁）。",
  "blue pink green", "XS-L", material="polyester, synthetic insulation", age="kids", waterproof=True,
  weight_g=520, waterproof_rating_mm=10000)
P("jackets", "Packable Rain Poncho", "便携雨披", "Tidepool", 39.00,
  "A roomy 70D nylon poncho rated 5,000 mm that covers you and a 40 L pack. The snap sides open up so it can "
  "be pitched as an emergency tarp. Weighs 310 g; one size fits most adults.",
  "宽大的 70D 尼龙雨披，防水指数 5,000 毫米，可同时罩住人和 40 升背包。侧边按扣打开后还能当作应急天幕搭起来。重 310 克，"
  "均码，适合大多数成年人。",
  "yellow green orange", "one", material="PU-coated 70D nylon", gender="unisex", waterproof=True, weight_g=310,
  waterproof_rating_mm=5000)

# --------------------------------------------------------------------------------------------
# TOPS
# --------------------------------------------------------------------------------------------
P("tops", "Tidewater Merino Tee", "潮水美利奴 T 恤", "Tidepool", 65.00,
  "A 150 g/m² 100% merino wool tee that you can wear three days in a row on the trail without clearing the tent. "
  "Soft against the skin, warm when wet, and weighs only 140 g in size M. Machine wash cold, lay flat to dry.",
  "150 克/平方米 100% 美利奴羊毛 T 恤，徒步时连穿三天也不会熏到帐篷里的同伴。亲肤柔软，湿了也保暖，M 码仅重 140 克。"
  "冷水机洗，平铺晾干。",
  "grey navy olive black", "XS-XXL", material="100% merino wool", gender="unisex", weight_g=140,
  rating=4.7, popularity=3980)
P("tops", "Trailhead Sun Hoodie", "步道口防晒连帽衫", "Kestrel", 55.00,
  "A lightweight hoodie rated UPF 50+ for long days above the treeline or on the water. Recycled polyester "
  "jersey, thumb loops, and a scuba-style hood that stays put in wind. Weighs 180 g.",
  "轻量防晒连帽衫，UPF 50+，适合林线以上或水上的长时间活动。再生聚酯针织面料，带拇指孔，潜水式帽型在大风中也不会被吹掉。重 180 克。",
  "white blue yellow pink", "XS-XXL", material="recycled polyester jersey", gender="unisex", weight_g=180,
  upf=50, rating=4.6, popularity=2760)
P("tops", "Ember Flannel Shirt", "余烬法兰绒衬衫", "Hollowpine", 69.00,
  "A mid-weight 5.5 oz organic cotton flannel, brushed on both sides, with two button-down chest pockets. "
  "Pre-washed so it won't shrink much. Weighs 340 g.",
  "中等厚度 5.5 盎司有机棉法兰绒衬衫，双面磨毛，两个带扣胸袋。已预洗处理，基本不会缩水。重 340 克。",
  "red green blue", "S-XXL", material="100% organic cotton flannel", gender="men", weight_g=340)
P("tops", "Midweight Merino Base Layer Crew", "中厚美利奴打底衫", "Ridgeline", 79.00,
  "A 200 g/m² base layer with a nylon core spun inside merino wool for durability, flatlock seams that won't "
  "rub under pack straps, and a slightly longer back. Weighs 210 g.",
  "200 克/平方米打底衫，美利奴羊毛包覆尼龙芯纱，更加耐穿；平缝接缝在背包肩带下不会磨皮肤，后摆略长。重 210 克。",
  "black grey purple", "XS-XXL", material="merino wool / nylon core-spun", gender="unisex", weight_g=210)
P("tops", "Shoreline Long-Sleeve Rashguard", "海岸线长袖防晒泳衣", "Saltmarsh", 45.00,
  "UPF 50+ protection for paddling and tide-pooling. Quick-drying 82% recycled nylon and 18% spandex with a "
  "slim women's fit. Weighs 160 g.",
  "UPF 50+ 防晒，适合划桨和赶海。速干面料为 82% 再生尼龙与 18% 氨纶，女款修身剪裁。重 160 克。",
  "navy blue orange", "XS-XL", material="82% recycled nylon / 18% spandex", gender="women", weight_g=160, upf=50)
P("tops", "Coastline Logo Tee", "海岸线标志 T 恤", "Tidepool", 28.00,
  "Our classic crab-in-a-tidepool logo, screen printed with water-based inks on 180 g/m² organic cotton. "
  "Relaxed fit; expect about 2% shrinkage in a hot dryer.",
  "经典“潮池小螃蟹”标志，使用水性油墨丝网印刷在 180 克/平方米有机棉上。宽松版型；高温烘干约缩水 2%。",
  "white grey green navy", "XS-XXL", material="100% organic cotton", gender="unisex", weight_g=190,
  rating=4.5, popularity=4870)
P("tops", "Kids' Quick-Dry Tee", "儿童速干 T 恤", "Bluegill", 22.00,
  "A kids' tee in recycled polyester that dries in under an hour after a creek crossing, rated UPF 30. "
  "Tagless neck so nothing itches. Kids' sizes XS (4-5 yrs) to L (12-14 yrs).",
  "儿童速干 T 恤，再生聚酯面料，蹚完小溪一小时内就能干，防晒指数 UPF 30。无标签领口，不扎不痒。儿童尺码 XS（4-5 岁）至 L（12-14 岁）。",
  "yellow blue pink green", "XS-L", material="recycled polyester", age="kids", weight_g=90, upf=30)
P("tops", "Grid Fleece Quarter-Zip", "格纹抓绒半拉链上衣", "Ridgeline", 89.00,
  "A 190 g/m² grid-back fleece that traps warmth in the squares and vents moisture through the channels. "
  "Quarter zip, zippered chest pocket. Weighs 280 g.",
  "190 克/平方米格纹背面抓绒，方格储存暖空气，沟槽排出湿气。四分之一拉链，胸前带拉链口袋。重 280 克。",
  "orange navy black", "XS-XXL", material="recycled polyester grid fleece", gender="unisex", weight_g=280,
  rating=4.6, popularity=1540)
P("tops", "Cabin Lambswool Sweater", "木屋羊羔毛毛衣", "Hollowpine", 129.00,
  "A cable-knit crew in 100% lambswool, the kind you pull on after the tent is up. Weighs 620 g. Hand wash cold "
  "and dry flat.",
  "100% 羊羔毛绞花圆领毛衣，就是搭好帐篷后想立刻套上的那一件。重 620 克。冷水手洗，平铺晾干。",
  "beige grey green", "XS-XL", material="100% lambswool", gender="unisex", weight_g=620, oos=True,
  rating=4.8, popularity=890)
P("tops", "Vapor Running Singlet", None, "Kestrel", 35.00,
  "An 85 g singlet with open mesh side panels and a reflective logo. Flat seams and a dropped back hem.",
  None,
  "black orange blue", "XS-XL", material="recycled polyester mesh", gender="unisex", weight_g=85)
P("tops", "Driftline Hemp Button-Up", "漂流线汉麻短袖衬衫", "Tidepool", 72.00,
  "A short-sleeve camp shirt in 55% hemp and 45% organic cotton that softens with every wash, finished with "
  "coconut-shell buttons. Weighs 230 g.",
  "短袖营地衬衫，面料为 55% 汉麻与 45% 有机棉，越洗越软，配椰壳纽扣。重 230 克。",
  "beige blue olive", "S-XXL", material="55% hemp / 45% organic cotton", gender="men", weight_g=230)
P("tops", "Fireside Heavyweight Hoodie", "炉边重磅连帽卫衣", "Emberfox", 75.00,
  "A 400 g/m² brushed-back fleece hoodie in 80% cotton and 20% polyester with a double-layer hood. Roomy "
  "kangaroo pocket. Keep it away from open flame: it's cosy, not fire-resistant. Weighs 610 g.",
  "400 克/平方米重磅磨毛卫衣，80% 棉与 20% 聚酯，双层帽子，宽大袋鼠口袋。请远离明火：它很暖和，但不阻燃。重 610 克。",
  "brown black red", "XS-XXL", material="80% cotton / 20% polyester", gender="unisex", weight_g=610,
  rating=4.7, popularity=2120)
P("tops", "Marina Piqué Polo", "码头珠地 Polo 衫", "Saltmarsh", 24.00,
  "Clearance, final sale. A piqué polo in recycled polyester with UPF 40 and a quick-dry finish. Weighs 200 g. "
  "Originally $49.",
  "清仓特卖，不退不换。再生聚酯珠地 Polo 衫，UPF 40，速干处理。重 200 克。原价 49 美元。",
  "white navy", "S-XL", material="recycled polyester piqué", gender="men", weight_g=200, upf=40,
  final_sale=True, was_price=49.00, rating=3.9, popularity=310)
P("tops", "Women's Merino Thermal Zip Neck", "女款美利奴保暖拉链领打底衫", "Ridgeline", 69.00,
  "A 250 g/m² 100% merino zip-neck thermal with a women's fit and thumb holes. Warm enough to be a midlayer on "
  "its own on cool mornings. Weighs 230 g.",
  "250 克/平方米 100% 美利奴羊毛拉链领保暖打底衫，女款剪裁，带拇指孔。凉爽的早晨单穿作中间层也足够暖。重 230 克。",
  "purple grey pink", "XS-XL", material="100% merino wool", gender="women", weight_g=230)
P("tops", "Airflow Hiking Shirt", None, "Kestrel", 59.00,
  "A long-sleeve hiking shirt in 78 g/m² nylon with a vented back yoke, roll-up sleeve tabs and UPF 40. "
  "Dries in about 30 minutes. Weighs 170 g.",
  None,
  "beige grey blue", "S-XXL", material="nylon", gender="men", weight_g=170, upf=40)
P("tops", "Kids' Microfleece Pullover", "儿童微抓绒套头衫", "Bluegill", 32.00,
  "A 100-weight microfleece pullover with a half zip, easy for small hands, and a zippered chest pocket for "
  "treasures. Kids' sizes XS (4-5 yrs) to L (12-14 yrs). Weighs 180 g.",
  "100 克重微抓绒半拉链套头衫，小手也能轻松拉开，胸前拉链口袋可以装“宝贝”。儿童尺码 XS（4-5 岁）至 L（12-14 岁）。重 180 克。",
  "purple red navy", "XS-L", material="recycled polyester microfleece", age="kids", weight_g=180)

# --------------------------------------------------------------------------------------------
# PANTS
# --------------------------------------------------------------------------------------------
P("pants", "Switchback Hiking Pant", "之字道徒步裤", "Tidepool", 85.00,
  "Our best-selling trail pant: 90% nylon and 10% elastane stretch with a water-repellent finish, gusseted "
  "crotch and six pockets including a zippered thigh pocket. Men's fit with an 81 cm inseam. Weighs 370 g.",
  "本店最畅销的徒步裤：90% 尼龙与 10% 氨纶弹力面料，拒水处理，裆部加三角插片，共六个口袋（含大腿拉链袋）。男款版型，"
  "内长 81 厘米。重 370 克。",
  "olive beige black grey", "S-XXL", material="90% nylon / 10% elastane", gender="men", waterproof=False,
  weight_g=370, inseam_cm=81, rating=4.7, popularity=4450)
P("pants", "Women's Switchback Hiking Pant", "女款之字道徒步裤", "Tidepool", 85.00,
  "The same stretch nylon fabric as our best-selling Switchback, cut for women with a contoured waistband and "
  "a 76 cm inseam. Water-repellent, not waterproof. Weighs 330 g.",
  "与畅销款之字道徒步裤同款弹力尼龙面料，女款剪裁，腰头贴合，内长 76 厘米。拒水但不防水。重 330 克。",
  "beige grey olive purple", "XS-XL", material="90% nylon / 10% elastane", gender="women", waterproof=False,
  weight_g=330, inseam_cm=76, rating=4.6, popularity=3120)
P("pants", "Convertible Zip-Off Pant", "可拆卸两穿速干裤", "Ridgeline", 79.00,
  "Unzip at the knee and you have a pair of 23 cm shorts; colour-coded zippers make it obvious which leg goes "
  "where. UPF 50 nylon. Weighs 360 g.",
  "膝盖处拉开即变成 23 厘米短裤；拉链按颜色区分，左右腿一目了然。UPF 50 尼龙面料。重 360 克。",
  "beige grey", "S-XXL", material="nylon", gender="unisex", waterproof=False, weight_g=360, upf=50)
P("pants", "Deluge Rain Pant", "倾盆防水裤", "Saltmarsh", 99.00,
  "A 2.5-layer rain pant rated 15,000 mm with full-length side zips, so you can pull it on over boots. Elastic "
  "waist with a drawcord. Weighs 290 g.",
  "2.5 层防水裤，防水指数 15,000 毫米，两侧全长拉链，穿着登山靴也能直接套上。松紧腰配抽绳。重 290 克。",
  "black navy", "XS-XXL", material="2.5-layer nylon", gender="unisex", waterproof=True, weight_g=290,
  waterproof_rating_mm=15000)
P("pants", "Trail Shorts 7in", "7 英寸越野短裤", "Kestrel", 48.00,
  "Four-way stretch shorts with an 18 cm inseam, a quick-dry liner, and a back zip pocket that holds a phone "
  "without bouncing. Weighs 120 g.",
  "四向弹力短裤，内长 18 厘米，配速干内衬，后腰拉链袋放手机跑起来也不晃。重 120 克。",
  "black blue orange", "XS-XL", material="recycled polyester / spandex", gender="unisex", weight_g=120)
P("pants", "Cabin Fleece Jogger", "木屋抓绒束脚裤", "Hollowpine", 58.00,
  "The pant for the evening camp chair: recycled fleece, cuffed ankles, and a drawcord waist. Weighs 380 g.",
  "晚上坐露营椅时最想穿的裤子：再生抓绒面料，束脚裤口，抽绳腰头。重 380 克。",
  "grey green navy", "XS-XXL", material="recycled polyester fleece", gender="unisex", weight_g=380)
P("pants", "Alpine Softshell Pant", None, "Ridgeline", 149.00,
  "A double-weave softshell pant with reinforced instep scuff guards, a harness-friendly low-profile waist and "
  "ankle zips that open over mountaineering boots. Weighs 520 g.",
  None,
  "black grey", "S-XXL", material="double-weave nylon softshell", gender="unisex", waterproof=False, weight_g=520)
P("pants", "Canvas Work Pant", "帆布工装裤", "Emberfox", 89.00,
  "A 12 oz cotton duck canvas pant, triple-stitched, with reinforced knees that take foam kneepads. Breaks in "
  "like a good pair of boots. Weighs 740 g.",
  "12 盎司棉质鸭帆布工装裤，三线缝制，膝部加固并可放入泡棉护膝。像一双好靴子一样越穿越合身。重 740 克。",
  "brown olive black", "S-XXL", material="12 oz cotton duck canvas", gender="men", waterproof=False, weight_g=740)
P("pants", "Kids' Adventure Zip-Off Pant", "儿童探险两穿裤", "Bluegill", 39.00,
  "Tough kids' pants with reinforced knees, an adjustable inside waistband, and legs that zip off into shorts. "
  "Kids' sizes XS (4-5 yrs) to L (12-14 yrs).",
  "耐磨儿童裤，膝部加固，腰内可调节松紧，裤腿可拉开变短裤。儿童尺码 XS（4-5 岁）至 L（12-14 岁）。",
  "green blue grey", "XS-L", material="nylon", age="kids", waterproof=False, weight_g=230)
P("pants", "Tidal Flats Board Shorts", "潮滩沙滩裤", "Tidepool", 45.00,
  "Quick-dry recycled polyester board shorts with a 48 cm outseam, a lace-up fly and a key loop in the "
  "zippered pocket. Weighs 150 g.",
  "速干再生聚酯沙滩裤，外长 48 厘米，系带门襟，拉链袋内有钥匙扣环。重 150 克。",
  "navy red blue", "S-XXL", material="recycled polyester", gender="men", weight_g=150)
P("pants", "Midweight Merino Base Layer Bottom", "中厚美利奴打底裤", "Ridgeline", 69.00,
  "The matching bottom to our midweight crew: 200 g/m² merino with a nylon core, flatlock seams and a wide, "
  "soft waistband. Weighs 190 g.",
  "与中厚美利奴打底衫配套：200 克/平方米美利奴羊毛包覆尼龙芯纱，平缝接缝，宽而柔软的腰头。重 190 克。",
  "black grey", "XS-XXL", material="merino wool / nylon core-spun", gender="unisex", weight_g=190)
P("pants", "Women's Trail Legging", "女款越野紧身裤", "Saltmarsh", 65.00,
  "A high-rise legging in 75% recycled nylon and 25% elastane, UPF 50, with two side pockets that hold a phone. "
  "Squat-proof and abrasion-resistant. Weighs 210 g.",
  "高腰紧身裤，75% 再生尼龙与 25% 氨纶，UPF 50，两侧口袋可放手机。深蹲不透，耐磨。重 210 克。",
  "black purple navy", "XS-XL", material="75% recycled nylon / 25% elastane", gender="women", weight_g=210, upf=50,
  rating=4.8, popularity=2680)
P("pants", "Featherweight Wind Pant", None, "Kestrel", 69.00,
  "A 110 g wind pant in 15D nylon with elastic cuffs that packs into its own pocket. DWR-treated, not waterproof.",
  None,
  "black blue", "XS-XL", material="15D nylon with DWR", gender="unisex", waterproof=False, weight_g=110)
P("pants", "Insulated Camp Pant", "保暖营地裤", "Hollowpine", 119.00,
  "60 g synthetic insulation in a DWR nylon shell, with full-length side zips so you can pull them on over "
  "boots at a chilly camp. Weighs 410 g.",
  "DWR 尼龙外层内充 60 克合成保暖棉，两侧全长拉链，在寒冷营地可直接穿着鞋子套上。重 410 克。",
  "black olive", "S-XXL", material="nylon, synthetic insulation", gender="unisex", waterproof=False, weight_g=410)

# --------------------------------------------------------------------------------------------
# FOOTWEAR (EU sizes; weight_g is per pair in EU 42 unless stated)
# --------------------------------------------------------------------------------------------
P("footwear", "Trailmark Mid Waterproof Hiking Boot", "路标中帮防水徒步靴", "Tidepool", 159.00,
  "A mid-height hiking boot in nubuck leather and abrasion-resistant mesh with a waterproof-breathable membrane "
  "and a sticky rubber outsole with 5 mm lugs. Comfortable out of the box; 1,120 g per pair in EU 42. Men's "
  "EU 40-47.",
  "中帮徒步靴，磨砂皮与耐磨网布鞋面，内置防水透气膜，高抓地橡胶大底配 5 毫米深齿纹。开箱即穿很舒适；EU 42 码每双重 1,120 克。"
  "男款 EU 40-47 码。",
  "brown grey", "EU40-47", material="nubuck leather, mesh, waterproof membrane", gender="men", waterproof=True,
  weight_g=1120, lug_depth_mm=5, rating=4.7, popularity=3890)
P("footwear", "Women's Trailmark Mid Waterproof Hiking Boot", "女款路标中帮防水徒步靴", "Tidepool", 159.00,
  "Our Trailmark boot on a women's last with a narrower heel and lower-volume fit. Waterproof membrane, 5 mm "
  "lugs, and 940 g per pair in EU 38. Women's EU 36-42.",
  "路标徒步靴的女款版本，采用女性鞋楦，后跟更窄、鞋腔更贴合。内置防水膜，5 毫米深齿纹大底，EU 38 码每双重 940 克。"
  "女款 EU 36-42 码。",
  "brown purple", "EU36-42", material="nubuck leather, mesh, waterproof membrane", gender="women", waterproof=True,
  weight_g=940, lug_depth_mm=5, rating=4.6, popularity=2950)
P("footwear", "Skyrunner Trail Running Shoe", "天际越野跑鞋", "Kestrel", 139.00,
  "A nimble trail runner with a 6 mm drop, 4 mm lugs and a flexible rock plate under the forefoot. Breathable "
  "mesh upper, not waterproof; drains and dries fast. 560 g per pair in EU 42.",
  "灵活的越野跑鞋，6 毫米前后掌落差，4 毫米齿纹，前掌内置柔性防石板。透气网布鞋面，不防水，但排水、干燥都很快。"
  "EU 42 码每双重 560 克。",
  "orange blue black", "EU36-46", material="engineered mesh, rubber outsole", gender="unisex", waterproof=False,
  weight_g=560, drop_mm=6, rating=4.5, popularity=2310)
P("footwear", "Granite Backpacking Boot", "花岗岩重装徒步靴", "Ridgeline", 249.00,
  "A full-grain 2 mm leather boot for heavy loads and rough ground, with a rubber rand, a stiff nylon shank "
  "and a waterproof membrane. Allow a couple of weeks of break-in. 1,640 g per pair in EU 42.",
  "适合重装和崎岖路况的 2 毫米全粒面皮靴，配橡胶护边、硬质尼龙勾心和防水膜。需要约两周磨合期。EU 42 码每双重 1,640 克。",
  "brown", "EU39-47", material="2 mm full-grain leather, waterproof membrane", gender="unisex", waterproof=True,
  weight_g=1640, rating=4.8, popularity=1280)
P("footwear", "Tide Pool Water Shoe", "潮池涉水鞋", "Saltmarsh", 65.00,
  "A slip-on water shoe with drainage ports in the midsole and a siped rubber sole that grips wet rock and "
  "barnacle-covered ledges. Dries in about an hour. 430 g per pair in EU 42.",
  "一脚蹬涉水鞋，中底设排水孔，刀槽花纹橡胶大底在湿滑岩石和长满藤壶的礁石上也抓得牢。约一小时晾干。EU 42 码每双重 430 克。",
  "blue black yellow", "EU36-46", material="quick-dry mesh, siped rubber", gender="unisex", waterproof=False,
  weight_g=430)
P("footwear", "Cove Sport Sandal", "海湾运动凉鞋", "Saltmarsh", 75.00,
  "A webbing sandal with three adjustment points, a contoured footbed and a grippy rubber sole for river "
  "crossings. 520 g per pair in EU 42.",
  "织带运动凉鞋，三处可调节，贴合足弓的鞋床，橡胶大底适合涉溪。EU 42 码每双重 520 克。",
  "black olive red", "EU36-47", material="polyester webbing, rubber", gender="unisex", waterproof=False,
  weight_g=520, rating=4.4, popularity=1870)
P("footwear", "Camp Bootie", "营地保暖短靴", "Hollowpine", 55.00,
  "Puffy camp booties with synthetic insulation and a thin foam sole for padding around the tent at night. "
  "They pack flat into their own stuff sack. Sized S (EU 36-38) to XL (EU 45-47); 240 g per pair in M.",
  "营地保暖短靴，合成棉填充，薄泡棉鞋底，晚上在帐篷附近走动正合适。可压平收进自带收纳袋。尺码 S（EU 36-38）至 XL（EU 45-47），"
  "M 码每双重 240 克。",
  "grey navy red", "S-XL", material="ripstop nylon, synthetic insulation, foam sole", gender="unisex",
  waterproof=False, weight_g=240)
P("footwear", "Approach Shoe", None, "Ridgeline", 145.00,
  "A lace-to-toe approach shoe with climbing-grade rubber on the toe and a suede upper for scrambling to the "
  "crag. 820 g per pair in EU 42.",
  None,
  "grey blue", "EU37-47", material="suede, climbing rubber", gender="unisex", waterproof=False, weight_g=820)
P("footwear", "Kids' Creek Sandal", "儿童溪流凉鞋", "Bluegill", 38.00,
  "A closed-toe sandal with a bumper that protects toes on rocky creek beds and hook-and-loop straps kids can "
  "do up themselves. Youth sizes EU 36-39. 380 g per pair.",
  "包头凉鞋，前端护趾在多石的溪床上保护脚趾，魔术贴孩子自己就能粘好。青少年尺码 EU 36-39，每双重 380 克。",
  "green blue pink", "EU36-39", material="polyester webbing, rubber", age="kids", waterproof=False, weight_g=380)
P("footwear", "Harbor Rain Boot", "港湾雨靴", "Tidepool", 89.00,
  "A tall natural-rubber rain boot with a 33 cm shaft and a cotton jersey lining, for muddy trailheads and "
  "flooded docks. 1,600 g per pair in EU 42.",
  "高筒天然橡胶雨靴，靴筒高 33 厘米，内衬棉质针织布，泥泞步道口和积水码头都不怕。EU 42 码每双重 1,600 克。",
  "yellow navy green", "EU36-46", material="natural rubber, cotton jersey lining", gender="unisex",
  waterproof=True, weight_g=1600, rating=4.3, popularity=1460)
P("footwear", "Fireside Moccasin", "炉边莫卡辛便鞋", "Emberfox", 79.00,
  "A suede moccasin lined with plush fleece, on a thin rubber sole so you can step out to the woodpile. "
  "620 g per pair in EU 42.",
  "麂皮莫卡辛便鞋，内衬柔软绒毛，薄橡胶鞋底，穿着出门去柴堆拿木头也没问题。EU 42 码每双重 620 克。",
  "brown beige", "EU37-46", material="suede, polyester fleece lining", gender="unisex", waterproof=False,
  weight_g=620)
P("footwear", "Ultra Cushion Trail Runner", "超缓震越野跑鞋", "Kestrel", 159.00,
  "Max cushioning for long miles: a 38 mm heel stack, 8 mm drop and 5 mm lugs, with a wide toe box. "
  "620 g per pair in EU 42.",
  "长距离专用高缓震越野跑鞋：后跟堆叠高度 38 毫米，8 毫米落差，5 毫米齿纹，宽楦头。EU 42 码每双重 620 克。",
  "black yellow", "EU38-47", material="engineered mesh, EVA foam", gender="unisex", waterproof=False,
  weight_g=620, drop_mm=8, rating=4.6, popularity=1750)
P("footwear", "Winter Pac Boot", "冬季保暖雪地靴", "Hollowpine", 189.00,
  "A snow boot rated to -32 °C with a waterproof rubber lower, a leather upper and a removable 9 mm felt liner "
  "you can dry by the stove. 2,100 g per pair in EU 42.",
  "可耐 -32 °C 的雪地靴，下部为防水橡胶，上部为皮革，配 9 毫米可拆卸毛毡内靴，可放在炉边烘干。EU 42 码每双重 2,100 克。",
  "black brown", "EU38-47", material="rubber, leather, felt liner", gender="unisex", waterproof=True,
  weight_g=2100, temp_rating_c=-32)
P("footwear", "Low Hiker Waterproof Shoe", "低帮防水徒步鞋", "Ridgeline", 129.00,
  "A low-cut hiking shoe with a waterproof membrane, a protective toe cap and a 4 mm lug outsole. Good for "
  "day hikes on wet trails. 880 g per pair in EU 42.",
  "低帮徒步鞋，内置防水膜，带护趾头，4 毫米齿纹大底，适合湿滑步道上的一日徒步。EU 42 码每双重 880 克。",
  "grey olive", "EU36-47", material="synthetic leather, mesh, waterproof membrane", gender="unisex",
  waterproof=True, weight_g=880)
P("footwear", "Deck Shoe", None, "Saltmarsh", 39.00,
  "Clearance, final sale. A canvas boat shoe with a non-marking siped sole and rustproof eyelets. 600 g per "
  "pair in EU 42. Originally $69.",
  None,
  "navy beige", "EU38-46", material="cotton canvas, rubber", gender="unisex", waterproof=False, weight_g=600,
  final_sale=True, was_price=69.00, rating=3.8, popularity=260)
P("footwear", "Recovery Slide", "恢复拖鞋", "Tidepool", 19.00,
  "Clearance, final sale. A squishy EVA foam slide for tired feet after a long hike. 280 g per pair in EU 42. "
  "Originally $35.",
  "清仓特卖，不退不换。软弹 EVA 泡棉拖鞋，长途徒步后让双脚好好放松。EU 42 码每双重 280 克。原价 35 美元。",
  "black blue pink", "EU36-47", material="EVA foam", gender="unisex", waterproof=True, weight_g=280,
  final_sale=True, was_price=35.00, rating=4.1, popularity=980)

# --------------------------------------------------------------------------------------------
# BACKPACKS
# --------------------------------------------------------------------------------------------
P("backpacks", "Tidewalker 28 Daypack", "潮行者 28 升日用背包", "Tidepool", 119.00,
  "A 28 L daypack in 420D recycled nylon with a ventilated mesh back panel, a sleeve that fits a 3 L hydration "
  "reservoir, and a stretch front pocket for a wet rain shell. Weighs 980 g.",
  "28 升日用背包，420D 再生尼龙面料，透气网布背板，内置水袋仓可放 3 升水袋，前侧弹力口袋可塞湿雨衣。重 980 克。",
  "navy olive orange", "one", material="420D recycled nylon", capacity_l=28, waterproof=False, weight_g=980,
  rating=4.7, popularity=3710)
P("backpacks", "Fastpack 40", "疾行 40 升轻量背包", "Kestrel", 229.00,
  "A 40 L roll-top fastpack that weighs just 680 g, in a ripstop nylon with a high-strength polyethylene grid. "
  "Frameless, with a removable foam back pad; comfortable up to about 10 kg. Fits torsos 40-53 cm.",
  "40 升卷顶式轻量背包，仅重 680 克，采用嵌高强度聚乙烯格纹的防撕裂尼龙面料。无框架设计，带可拆泡棉背垫，"
  "负重约 10 公斤以内最舒适。适合背长 40-53 厘米。",
  "grey black", "one", material="ripstop nylon with UHMWPE grid", capacity_l=40, waterproof=False, weight_g=680,
  max_load_kg=10, rating=4.5, popularity=1240)
P("backpacks", "Expedition 65", "远征 65 升重装背包", "Ridgeline", 329.00,
  "A 65 L pack with a 10 L extension collar, an aluminium stay frame that carries up to 25 kg, and a hip belt "
  "with zippered pockets. Torso sizes S (41-46 cm), M (46-51 cm), L (51-56 cm). Weighs 2,150 g in M.",
  "65 升重装背包，另有 10 升延伸桶口，铝合金支撑框架最高可负重 25 公斤，腰带带拉链口袋。背长尺码 S（41-46 厘米）、"
  "M（46-51 厘米）、L（51-56 厘米）。M 码重 2,150 克。",
  "blue red black", ["S", "M", "L"], material="210D and 420D nylon", capacity_l=65, waterproof=False,
  weight_g=2150, max_load_kg=25, rating=4.8, popularity=1690)
P("backpacks", "Women's Expedition 60", "女款远征 60 升重装背包", "Ridgeline", 329.00,
  "The Expedition on a women's harness: S-curved shoulder straps, a conical hip belt and shorter torso sizes "
  "XS (36-41 cm), S (41-46 cm) and M (46-51 cm). 60 L plus a 10 L collar; weighs 2,050 g in S.",
  "远征背包的女款背负系统：S 形肩带，锥形腰带，背长尺码更短，分为 XS（36-41 厘米）、S（41-46 厘米）、M（46-51 厘米）。"
  "容量 60 升，另有 10 升延伸桶口；S 码重 2,050 克。",
  "purple green", ["XS", "S", "M"], material="210D and 420D nylon", gender="women", capacity_l=60,
  waterproof=False, weight_g=2050, max_load_kg=25)
P("backpacks", "Weekender 50", "周末 50 升背包", "Hollowpine", 199.00,
  "A 50 L pack for two nights out, with top and front U-zip access, a separate sleeping-bag compartment and an "
  "adjustable torso that fits 41-53 cm. Weighs 1,650 g.",
  "适合两晚行程的 50 升背包，顶部和前面 U 形拉链均可开启，底部设独立睡袋仓，背长可调，适合 41-53 厘米。重 1,650 克。",
  "olive brown", "one", material="600D recycled polyester", capacity_l=50, waterproof=False, weight_g=1650,
  rating=4.4, popularity=980)
P("backpacks", "Dry Roll-Top 30", "干爽卷顶 30 升防水背包", "Saltmarsh", 89.00,
  "A fully waterproof 30 L backpack with welded seams in TPU-coated 500D polyester and a roll-top closure. "
  "It floats, and it keeps your camera dry on a kayak deck. Weighs 850 g.",
  "30 升全防水背包，采用 TPU 涂层 500D 聚酯面料、高频焊接接缝和卷顶封口。能浮在水面，放在皮划艇甲板上也能让相机保持干燥。重 850 克。",
  "yellow blue black", "one", material="TPU-coated 500D polyester", capacity_l=30, waterproof=True, weight_g=850,
  rating=4.6, popularity=2040)
P("backpacks", "Kids' Trail Buddy 12", "儿童步道伙伴 12 升背包", "Bluegill", 45.00,
  "A 12 L kids' pack with a chest strap that has a built-in safety whistle, reflective trim and a name tag "
  "window. For ages 4-10; weighs 380 g.",
  "12 升儿童背包，胸带内置安全哨，配反光饰条和姓名牌窗口。适合 4-10 岁，重 380 克。",
  "pink green blue", "one", material="recycled polyester", age="kids", capacity_l=12, waterproof=False,
  weight_g=380, rating=4.9, popularity=1520)
P("backpacks", "Hydro Race Vest 8", "疾水 8 升跑步背心", "Kestrel", 139.00,
  "An 8 L running vest that comes with two 500 ml soft flasks in the front pockets, plus a stretch back pocket "
  "for a jacket. Vest sizes XS-XL by chest; weighs 240 g in M.",
  "8 升越野跑背心，前胸口袋附赠两个 500 毫升软水壶，背部弹力口袋可塞外套。背心尺码 XS-XL 按胸围选择，M 码重 240 克。",
  "black orange", "XS-XL", material="stretch mesh, ripstop nylon", gender="unisex", capacity_l=8,
  waterproof=False, weight_g=240)
P("backpacks", "Commuter 22", "通勤 22 升背包", "Tidepool", 99.00,
  "A 22 L pack for bike-to-work days with a padded sleeve for a 16-inch laptop, a clamshell main compartment "
  "and a rain cover tucked in the base. Weighs 910 g.",
  "22 升骑行通勤背包，带可放 16 英寸笔记本电脑的加垫夹层，蚌壳式主仓全开，底部内藏防雨罩。重 910 克。",
  "black grey navy", "one", material="420D recycled nylon", capacity_l=22, waterproof=False, weight_g=910)
P("backpacks", "Canvas Rucksack 25", None, "Emberfox", 139.00,
  "A 25 L rucksack in waxed cotton canvas with leather straps and brass buckles. Re-wax once a year to keep it "
  "showerproof. Weighs 1,300 g.",
  None,
  "brown olive", "one", material="waxed cotton canvas, leather", capacity_l=25, waterproof=False, weight_g=1300)
P("backpacks", "Packable Daypack 18", "可折叠 18 升日用包", "Tidepool", 39.00,
  "An 18 L daypack that stuffs into its own inner pocket, for summit pushes and market runs. 30D ripstop "
  "nylon, weighs 140 g.",
  "18 升日用包，可收进自身内袋，冲顶或逛市集都方便。30D 防撕裂尼龙，重 140 克。",
  "orange blue green purple", "one", material="30D ripstop nylon", capacity_l=18, waterproof=False, weight_g=140,
  rating=4.5, popularity=2870)
P("backpacks", "Summit Pack 35", "登顶 35 升技术背包", "Ridgeline", 179.00,
  "A 35 L alpine pack with two ice-axe loops, a removable lid and a stripped-down hip belt. Weighs 1,150 g, or "
  "890 g with the lid and frame sheet removed.",
  "35 升高山技术背包，配两个冰镐挂环、可拆顶包和简化腰带。重 1,150 克，拆下顶包和背板后仅 890 克。",
  "red grey", "one", material="420D nylon", capacity_l=35, waterproof=False, weight_g=1150)
P("backpacks", "Shoreline Duffel 60", "海岸线 60 升驮包", "Saltmarsh", 129.00,
  "A 60 L duffel in water-resistant TPU-laminated polyester with stowaway backpack straps and a wide D-zip "
  "opening. Weighs 1,200 g.",
  "60 升驮包，TPU 覆膜聚酯面料防泼水，带可收纳双肩背带和宽大 D 形开口。重 1,200 克。",
  "black navy yellow", "one", material="TPU-laminated polyester", capacity_l=60, waterproof=False, weight_g=1200,
  oos=True, rating=4.7, popularity=1330)
P("backpacks", "Hip Pack 3", None, "Kestrel", 35.00,
  "A 3 L waist pack with a wide stretch belt, a zipped main pocket and a bottle holster for a 500 ml flask. "
  "Weighs 160 g.",
  None,
  "black blue yellow", "one", material="stretch mesh, ripstop nylon", capacity_l=3, waterproof=False, weight_g=160)

# --------------------------------------------------------------------------------------------
# TENTS
# --------------------------------------------------------------------------------------------
P("tents", "Driftwood 1 Backpacking Tent", "漂木单人背包帐篷", "Tidepool", 289.00,
  "A freestanding 1-person, 3-season tent with a 20D silnylon fly rated 3,000 mm and a 5,000 mm floor. One door, "
  "one vestibule, 1.8 m² of floor. Trail weight 1,290 g.",
  "单人三季自立式帐篷，20D 硅尼龙外帐防水指数 3,000 毫米，地布 5,000 毫米。一门一前厅，内帐面积 1.8 平方米。最小重量 1,290 克。",
  "olive orange", "one", material="20D silnylon, aluminium poles", persons=1, seasons=3, waterproof=True,
  weight_g=1290, waterproof_rating_mm=3000, floor_area_m2=1.8)
P("tents", "Driftwood 2 Backpacking Tent", "漂木双人背包帐篷", "Tidepool", 349.00,
  "Our most popular tent: a freestanding 2-person, 3-season shelter with two doors, two vestibules and 2.8 m² "
  "of floor. The 20D silnylon fly is rated 3,000 mm and the floor 5,000 mm. Trail weight 1,780 g; sets up in "
  "about four minutes.",
  "本店最受欢迎的帐篷：双人三季自立式帐篷，双门双前厅，内帐面积 2.8 平方米。20D 硅尼龙外帐防水指数 3,000 毫米，"
  "地布 5,000 毫米。最小重量 1,780 克，约四分钟即可搭好。",
  "olive orange grey", "one", material="20D silnylon, aluminium poles", persons=2, seasons=3, waterproof=True,
  weight_g=1780, waterproof_rating_mm=3000, floor_area_m2=2.8, rating=4.8, popularity=4620)
P("tents", "Driftwood 3 Backpacking Tent", "漂木三人背包帐篷", "Tidepool", 419.00,
  "Room for three, or two plus a dog: 3.9 m² of floor, two doors and vestibules, a 3,000 mm silnylon fly and a "
  "5,000 mm floor. Trail weight 2,150 g.",
  "三人空间，或两人加一只狗：内帐面积 3.9 平方米，双门双前厅，外帐防水 3,000 毫米，地布 5,000 毫米。最小重量 2,150 克。",
  "olive orange", "one", material="20D silnylon, aluminium poles", persons=3, seasons=3, waterproof=True,
  weight_g=2150, waterproof_rating_mm=3000, floor_area_m2=3.9, rating=4.7, popularity=2010)
P("tents", "Zephyr UL 1 Trekking Pole Tent", "和风超轻单人杖撑帐篷", "Kestrel", 399.00,
  "A single-wall shelter that pitches with one trekking pole (not included) and weighs 680 g. The "
  "non-stretch composite laminate fabric is rated 10,000 mm and does not sag when wet. Needs 8 stakes.",
  "单层帐篷，用一根登山杖（不含）即可撑起，仅重 680 克。不伸缩复合层压面料防水指数 10,000 毫米，淋湿后也不会松垂。需 8 根地钉。",
  "beige", "one", material="composite laminate", persons=1, seasons=3, waterproof=True, weight_g=680,
  waterproof_rating_mm=10000, oos=True, rating=4.6, popularity=770)
P("tents", "Zephyr UL 2 Trekking Pole Tent", None, "Kestrel", 479.00,
  "The two-person Zephyr: pitches with two trekking poles, weighs 890 g and has a door on each side. "
  "Composite laminate fabric rated 10,000 mm.",
  None,
  "beige grey", "one", material="composite laminate", persons=2, seasons=3, waterproof=True, weight_g=890,
  waterproof_rating_mm=10000)
P("tents", "Four-Season Basecamp 2", "四季大本营双人帐篷", "Ridgeline", 649.00,
  "A storm-ready 2-person, 4-season tent with four crossing poles, snow skirts and a 40D fly rated 5,000 mm. "
  "Handles heavy snow load and strong wind. Packed weight 3,200 g.",
  "可抗风暴的双人四季帐篷，四杆交叉结构，带雪裙，40D 外帐防水指数 5,000 毫米，能承受大雪压顶和强风。包装重量 3,200 克。",
  "yellow red", "one", material="40D nylon, aluminium poles", persons=2, seasons=4, waterproof=True,
  weight_g=3200, waterproof_rating_mm=5000, rating=4.9, popularity=540)
P("tents", "Family Cabin 6", "家庭小屋六人帐篷", "Hollowpine", 559.00,
  "A 6-person cabin tent with near-vertical walls, 198 cm of centre height and a room divider that makes two "
  "bedrooms. Polyester fly rated 2,000 mm; weighs 9.8 kg packed.",
  "六人小屋式帐篷，墙体接近垂直，中心高度 198 厘米，附隔帘可分成两个卧室。聚酯外帐防水指数 2,000 毫米，包装重量 9.8 公斤。",
  "green beige", "one", material="polyester, fibreglass and steel poles", persons=6, seasons=3, waterproof=True,
  weight_g=9800, waterproof_rating_mm=2000, rating=4.5, popularity=1380)
P("tents", "Family Dome 4", "家庭圆顶四人帐篷", "Hollowpine", 329.00,
  "A 4-person dome with two large doors, a full-coverage fly rated 2,000 mm and 152 cm of headroom. Colour-coded "
  "clips make it a one-adult pitch. Weighs 6.1 kg packed.",
  "四人圆顶帐篷，两扇大门，全覆盖外帐防水指数 2,000 毫米，内高 152 厘米。扣件按颜色区分，一个大人就能搭好。包装重量 6.1 公斤。",
  "green orange", "one", material="polyester, fibreglass poles", persons=4, seasons=3, waterproof=True,
  weight_g=6100, waterproof_rating_mm=2000)
P("tents", "Beach Shade Shelter", "海滩遮阳棚", "Saltmarsh", 119.00,
  "A UPF 50+ sun shelter for three with sandbag pockets instead of stakes and a zip-on side wall. It sheds a "
  "light shower but is not a rain tent. Weighs 1.9 kg.",
  "可容纳三人的 UPF 50+ 遮阳棚，用沙袋口袋代替地钉，侧墙可拉链拆装。可应付小阵雨，但不是防雨帐篷。重 1.9 公斤。",
  "blue beige", "one", material="polyester, fibreglass poles", persons=3, waterproof=False, weight_g=1900, upf=50)
P("tents", "Canvas Bell Tent 4m", "4 米帆布钟形帐篷", "Emberfox", 629.00,
  "A 4 m polycotton bell tent (285 g/m²) with a stove jack, a zipped-in groundsheet and room for six. "
  "Breathable and quiet in the wind, but heavy: 24 kg packed.",
  "4 米涤棉帆布钟形帐篷（285 克/平方米），带烟囱口和拉链连接的地布，可容纳六人。透气、风中安静，但较重：包装重量 24 公斤。",
  "beige", "one", material="285 g/m² polycotton canvas", persons=6, seasons=4, waterproof=True, weight_g=24000,
  oos=True, rating=4.8, popularity=690)
P("tents", "Kids' Backyard Pop-Up Tent", "儿童后院秒开帐篷", "Bluegill", 29.00,
  "Clearance, final sale. A pop-up play tent for two kids that springs open in about 10 seconds, with mesh "
  "windows; it's splash-resistant but not for overnight rain. Weighs 1.4 kg, originally $59.",
  "清仓特卖，不退不换。可容纳两个孩子的秒开游戏帐篷，约 10 秒自动弹开，带网纱窗；防泼溅，但不适合过夜淋雨。重 1.4 公斤，原价 59 美元。",
  "blue green", "one", material="polyester, spring-steel frame", persons=2, age="kids", waterproof=False,
  weight_g=1400, final_sale=True, was_price=59.00, rating=4.0, popularity=420)
P("tents", "Alpine Bivy Sack", "高山露宿袋", "Ridgeline", 189.00,
  "A one-person bivy in 3-layer waterproof-breathable fabric with a hooped head end and a bug-net panel. "
  "Fits over a sleeping bag and pad; weighs 450 g.",
  "单人露宿袋，三层防水透气面料，头部有支撑弧杆和防虫网。可套在睡袋和睡垫外面使用，重 450 克。",
  "olive", "one", material="3-layer nylon", persons=1, seasons=4, waterproof=True, weight_g=450)
P("tents", "Trail Tarp 3x3", "步道天幕 3x3", "Tidepool", 129.00,
  "A 3 x 3 m silnylon tarp rated 3,000 mm with 16 reinforced tie-outs, so you can pitch it as an A-frame, "
  "lean-to or diamond. Weighs 520 g without lines and stakes.",
  "3 x 3 米硅尼龙天幕，防水指数 3,000 毫米，16 个加固拉点，可搭成 A 字形、单坡或菱形。不含拉绳地钉重 520 克。",
  "olive grey", "one", material="20D silnylon", persons=2, waterproof=True, weight_g=520,
  waterproof_rating_mm=3000)

# --------------------------------------------------------------------------------------------
# SLEEPING (temp_rating_c is the lower-limit rating; comfort is given in the description)
# --------------------------------------------------------------------------------------------
P("sleeping", "Ember 0C Down Sleeping Bag", "余烬 0°C 羽绒睡袋", "Hollowpine", 289.00,
  "A mummy bag filled with 650-fill-power duck down, with a 0 °C lower limit and 5 °C comfort rating. Fits "
  "people up to 183 cm and weighs 980 g; packs to 18 x 30 cm in the included compression sack.",
  "木乃伊式睡袋，填充 650 蓬鸭绒，极限温度 0 °C，舒适温度 5 °C。适合身高 183 厘米以内，重 980 克；用附带的压缩袋可收纳至 18 x 30 厘米。",
  "orange navy", "one", material="20D nylon, 650-fill duck down", temp_rating_c=0, comfort_c=5, fill_power=650,
  weight_g=980, max_height_cm=183, rating=4.6, popularity=2330)
P("sleeping", "Ember -9C Down Sleeping Bag", "余烬 -9°C 羽绒睡袋", "Hollowpine", 379.00,
  "For shoulder-season nights: 800-fill goose down, a -9 °C lower limit and -3 °C comfort rating, with a draft "
  "collar and a zip baffle. Fits up to 183 cm; weighs 1,150 g.",
  "适合春秋季寒夜：填充 800 蓬鹅绒，极限温度 -9 °C，舒适温度 -3 °C，配防风领和拉链防风条。适合身高 183 厘米以内，重 1,150 克。",
  "red grey", "one", material="15D nylon, 800-fill goose down", temp_rating_c=-9, comfort_c=-3, fill_power=800,
  weight_g=1150, max_height_cm=183, rating=4.8, popularity=1410)
P("sleeping", "Campfire 5C Synthetic Sleeping Bag", "篝火 5°C 合成棉睡袋", "Tidepool", 119.00,
  "A roomy rectangular bag with synthetic fill, rated to a 5 °C lower limit (10 °C comfort). It unzips fully "
  "into a quilt and zips to a second bag to make a double. Weighs 1,600 g.",
  "宽敞的信封式合成棉睡袋，极限温度 5 °C（舒适温度 10 °C）。拉链全开可当被子用，两条可拼接成双人睡袋。重 1,600 克。",
  "green blue", "one", material="polyester, synthetic insulation", temp_rating_c=5, comfort_c=10,
  weight_g=1600, rating=4.4, popularity=2760)
P("sleeping", "Ultralight Down Quilt 4C", "超轻羽绒睡被 4°C", "Kestrel", 249.00,
  "A backless 850-fill down quilt that straps to your pad, rated to a 4 °C lower limit. Sewn footbox, "
  "560 g total.",
  "无背面设计的 850 蓬羽绒睡被，可用绑带固定在睡垫上，极限温度 4 °C。缝合式脚箱，总重 560 克。",
  "grey black", "one", material="10D nylon, 850-fill goose down", temp_rating_c=4, fill_power=850, weight_g=560)
P("sleeping", "Alpine -18C Expedition Sleeping Bag", "高山 -18°C 远征睡袋", "Ridgeline", 549.00,
  "An 850-fill goose down bag with a -18 °C lower limit (-11 °C comfort), a draft collar, a water-resistant "
  "shell and a stash pocket for batteries. Fits up to 198 cm; weighs 1,750 g.",
  "850 蓬鹅绒睡袋，极限温度 -18 °C（舒适温度 -11 °C），配防风领、防泼水外层和放电池的内袋。适合身高 198 厘米以内，重 1,750 克。",
  "red", "one", material="water-resistant nylon, 850-fill goose down", temp_rating_c=-18, comfort_c=-11,
  fill_power=850, weight_g=1750, max_height_cm=198, oos=True, rating=4.9, popularity=420)
P("sleeping", "Kids' Starry Night Sleeping Bag", "儿童星空睡袋", "Bluegill", 59.00,
  "A 150 cm kids' sleeping bag printed with glow-in-the-dark constellations, rated to 7 °C. Machine washable; "
  "weighs 900 g.",
  "150 厘米儿童睡袋，印有夜光星座图案，适用温度 7 °C。可机洗，重 900 克。",
  "navy purple", "one", material="polyester, synthetic insulation", age="kids", temp_rating_c=7, weight_g=900,
  rating=4.8, popularity=1260)
P("sleeping", "Tidewater Self-Inflating Pad", "潮水自充气睡垫", "Tidepool", 89.00,
  "Open the valve and it mostly inflates itself: a 5 cm open-cell foam pad, 183 x 51 cm, with an R-value of 3.5 "
  "for three-season camping. Weighs 1,050 g.",
  "打开气阀就能自动充气：5 厘米厚开孔泡棉睡垫，尺寸 183 x 51 厘米，R 值 3.5，适合三季露营。重 1,050 克。",
  "blue olive", "one", material="75D polyester, open-cell foam", r_value=3.5, thickness_cm=5, weight_g=1050,
  rating=4.5, popularity=2190)
P("sleeping", "Airloft Insulated Air Pad", "云垫保暖充气睡垫", "Kestrel", 179.00,
  "A 7.6 cm air pad with reflective baffles and an R-value of 4.2, packing to the size of a water bottle. "
  "Weighs 410 g and includes a pump sack that doubles as a dry bag.",
  "7.6 厘米厚充气睡垫，内置反射隔层，R 值 4.2，收纳后约一个水瓶大小。重 410 克，附送兼作防水袋的打气袋。",
  "yellow orange", "one", material="30D nylon", r_value=4.2, thickness_cm=7.6, weight_g=410,
  rating=4.6, popularity=1650)
P("sleeping", "Closed-Cell Foam Pad", "闭孔泡沫防潮垫", "Hollowpine", 45.00,
  "An egg-crate closed-cell foam pad with an R-value of 2.0 that can't puncture. Folds into a 51 x 13 x 14 cm "
  "block; weighs 400 g.",
  "蛋巢形闭孔泡沫睡垫，R 值 2.0，不怕扎破。折叠后为 51 x 13 x 14 厘米，重 400 克。",
  "yellow grey", "one", material="closed-cell polyethylene foam", r_value=2.0, thickness_cm=1.9, weight_g=400)
P("sleeping", "Double-Wide Camp Mattress", "双人露营床垫", "Hollowpine", 199.00,
  "A 10 cm, 132 cm wide self-inflating mattress for two with an R-value of 5.0 and a brushed fabric top. "
  "Weighs 2,600 g, so it's for car camping.",
  "10 厘米厚、132 厘米宽的双人自充气床垫，R 值 5.0，表面为磨毛面料。重 2,600 克，适合自驾露营。",
  "grey", "one", material="brushed polyester, open-cell foam", r_value=5.0, thickness_cm=10, persons=2,
  weight_g=2600)
P("sleeping", "Inflatable Camp Pillow", "充气露营枕", "Tidepool", 29.00,
  "An 85 g inflatable pillow with a brushed polyester cover that doesn't stick to your cheek. Packs to the size "
  "of a fist.",
  "85 克充气枕，磨毛聚酯枕面不粘脸。收纳后约一个拳头大小。",
  "grey blue green", "one", material="brushed polyester, TPU bladder", weight_g=85, rating=4.3, popularity=3020)
P("sleeping", "Merino Sleeping Bag Liner", None, "Ridgeline", 89.00,
  "A merino wool mummy liner that adds up to about 3 °C of warmth and keeps your bag clean. Weighs 250 g.",
  None,
  "grey", "one", material="100% merino wool", weight_g=250)
P("sleeping", "Camp Blanket", "露营毯", "Saltmarsh", 79.00,
  "A 150 x 200 cm camp blanket with a water-resistant ripstop shell and 60 g/m² synthetic fill. Corner snaps "
  "turn it into a poncho by the fire. Weighs 880 g.",
  "150 x 200 厘米露营毯，防泼水防撕裂外层，填充 60 克/平方米合成棉。边角按扣扣上即可在火边当披风。重 880 克。",
  "navy red olive", "one", material="ripstop polyester, synthetic insulation", weight_g=880)
P("sleeping", "Folding Camp Cot", "折叠行军床", "Emberfox", 139.00,
  "An aluminium-frame cot, 190 x 66 cm, that holds up to 136 kg and keeps you 18 cm off cold ground. Sets up "
  "without tools; weighs 4.2 kg.",
  "铝合金框架行军床，尺寸 190 x 66 厘米，承重 136 公斤，离地 18 厘米隔开冰冷地面。免工具安装，重 4.2 公斤。",
  "olive black", "one", material="aluminium, 600D polyester", max_load_kg=136, weight_g=4200)

# --------------------------------------------------------------------------------------------
# CAMP KITCHEN
# --------------------------------------------------------------------------------------------
P("camp_kitchen", "Pocket Canister Stove", "口袋气罐炉", "Emberfox", 49.00,
  "A 78 g stove with a piezo igniter that boils 1 L of water in about 3.5 minutes. Screws onto standard "
  "isobutane-propane canisters (sold separately).",
  "78 克迷你炉头，带电子点火器，约 3.5 分钟烧开 1 升水。适配标准螺口异丁烷-丙烷气罐（需另购）。",
  "grey", "one", material="aluminium, stainless steel", fuel="isobutane canister", weight_g=78,
  rating=4.7, popularity=3560)
P("camp_kitchen", "Two-Burner Camp Stove", "双头露营炉", "Emberfox", 139.00,
  "Two 10,000 BTU burners with fold-out wind screens, simmer control and a push-button igniter. Runs on 1 lb "
  "propane cylinders (sold separately). Weighs 5.1 kg.",
  "两个 10,000 BTU 炉头，配折叠挡风板、小火微调和按压点火。使用 1 磅丙烷气瓶（需另购）。重 5.1 公斤。",
  "green red", "one", material="powder-coated steel", fuel="propane", weight_g=5100, burners=2,
  rating=4.6, popularity=1970)
P("camp_kitchen", "Integrated Cook System 1L", "一体化炉锅系统 1 升", "Emberfox", 129.00,
  "A 1 L insulated pot with a built-in heat exchanger that boils 0.5 L in about 100 seconds; the stove and a "
  "230 g canister nest inside. Weighs 410 g.",
  "1 升保温锅，内置导热圈，约 100 秒烧开 0.5 升水；炉头和 230 克气罐可收纳在锅内。重 410 克。",
  "orange black", "one", material="aluminium, neoprene cozy", capacity_l=1.0, fuel="isobutane canister",
  weight_g=410)
P("camp_kitchen", "Titanium Pot 750", "钛锅 750", "Tidepool", 45.00,
  "A 750 ml titanium pot with folding handles, a vented lid and etched measuring marks. Weighs 105 g and fits "
  "a 110 g canister inside.",
  "750 毫升钛锅，折叠把手，带透气孔锅盖和刻度线。重 105 克，内部可收纳 110 克气罐。",
  "grey", "one", material="titanium", capacity_l=0.75, weight_g=105, rating=4.8, popularity=2640)
P("camp_kitchen", "Basecamp Cookset 4-Person", "营地四人套锅", "Tidepool", 89.00,
  "A car-camping kitchen for four: hard-anodised aluminium 2.5 L and 1.5 L pots, a 20 cm non-stick frying pan, "
  "two lids and a folding handle. Everything nests into one 1,250 g bundle inside the larger pot.",
  "适合四人自驾露营的套锅：硬质阳极氧化铝 2.5 升和 1.5 升锅各一，20 厘米不粘煎锅，两个锅盖和一个折叠手柄。"
  "全部可套叠收进大锅里，总重 1,250 克。",
  "grey", "one", material="hard-anodised aluminium", capacity_l=2.5, persons=4, weight_g=1250)
P("camp_kitchen", "Cast Iron Skillet 25cm", "25 厘米铸铁煎锅", "Hollowpine", 59.00,
  "A pre-seasoned 25 cm cast iron skillet for campfire grates and cornbread. Weighs 2.6 kg. Dry it over the "
  "fire and oil it lightly after washing.",
  "25 厘米预开锅铸铁煎锅，适合架在篝火烤架上，也能烤玉米面包。重 2.6 公斤。清洗后放火上烘干并薄涂一层油。",
  "black", "one", material="cast iron", weight_g=2600)
P("camp_kitchen", "Enamel Mug Set of 2", "搪瓷杯两只装", "Emberfox", 26.00,
  "Two 350 ml enamel-on-steel mugs with a speckled finish and rolled stainless rims. Safe on a stove; the "
  "handles get hot. 340 g for the pair.",
  "两只 350 毫升钢胎搪瓷杯，斑点釉面，卷边不锈钢杯口。可直接放在炉上加热，注意把手会变烫。两只共重 340 克。",
  "blue red white", "one", material="enamel-coated steel", capacity_l=0.35, weight_g=340, rating=4.7,
  popularity=2480)
P("camp_kitchen", "Collapsible Camp Sink 10L", "折叠露营水槽 10 升", "Bluegill", 24.00,
  "A 10 L collapsible basin for dishes, with a rigid rim that stands on its own. Folds flat; weighs 260 g.",
  "10 升折叠洗碗盆，硬质边框可自行立住。可折平收纳，重 260 克。",
  "blue green", "one", material="silicone, TPU", capacity_l=10, weight_g=260)
P("camp_kitchen", "Titanium Spork", "钛叉勺", "Tidepool", 12.00,
  "An 18 g titanium spork, 21 cm long, so it reaches the bottom of a freeze-dried meal pouch without sticky "
  "knuckles. It won't rust or pick up flavours.",
  "18 克钛叉勺，长 21 厘米，伸进冻干食品袋底部也不会弄脏手指关节。不生锈，不串味。",
  "grey blue", "one", material="titanium", weight_g=18, rating=4.6, popularity=3340)
P("camp_kitchen", "Collapsible Pour-Over Coffee Dripper", None, "Emberfox", 22.00,
  "A silicone pour-over cone that collapses to 2 cm and takes standard #2 paper filters. Weighs 42 g.",
  None,
  "orange grey", "one", material="silicone, nylon", weight_g=42)
P("camp_kitchen", "Roll-Up Camp Table", "蛋卷露营桌", "Hollowpine", 99.00,
  "A 70 x 70 cm table with aluminium slats that roll up into a carry bag. Holds 30 kg; weighs 2.4 kg.",
  "70 x 70 厘米铝合金蛋卷桌，桌面板条可卷起放入收纳袋。承重 30 公斤，重 2.4 公斤。",
  "beige black", "one", material="aluminium", max_load_kg=30, weight_g=2400)
P("camp_kitchen", "Hard Cooler 45", "硬壳保温箱 45", "Saltmarsh", 249.00,
  "A 42 L rotomoulded cooler with 5 cm of insulation that holds ice for up to five days in shade. Bear-resistant "
  "latches, a drain plug, and it doubles as a seat. Weighs 10.4 kg empty.",
  "42 升滚塑保温箱，5 厘米保温层，阴凉处冰块最多可保持五天。防熊锁扣，带排水塞，还能当凳子坐。空箱重 10.4 公斤。",
  "white beige blue", "one", material="rotomoulded polyethylene", capacity_l=42, weight_g=10400,
  rating=4.7, popularity=1190)
P("camp_kitchen", "Isobutane Fuel Canister 230g", "异丁烷气罐 230 克", "Emberfox", 7.95,
  "A 230 g isobutane-propane blend canister that fits standard screw-on stoves and burns well down to about "
  "-6 °C. Ships by Standard ground service to the contiguous US only.",
  "230 克异丁烷-丙烷混合气罐，适配标准螺口炉头，约 -6 °C 以上燃烧良好。仅可通过标准陆运配送至美国本土 48 州。",
  "blue", "one", material="steel canister", fuel="isobutane-propane", weight_g=370, hazmat=True,
  ships_to=["US-contiguous"], rating=4.5, popularity=3870)
P("camp_kitchen", "Camp Dish Kit", "露营餐具组", "Tidepool", 29.00,
  "A plate, a bowl and a 300 ml insulated cup for one person, in dishwasher-safe polypropylene that nests "
  "together. Weighs 290 g.",
  "单人餐具组：一个盘子、一个碗和一个 300 毫升保温杯，可机洗聚丙烯材质，可层层套叠。重 290 克。",
  "orange blue green", "one", material="polypropylene", persons=1, weight_g=290)

# --------------------------------------------------------------------------------------------
# ACCESSORIES
# --------------------------------------------------------------------------------------------
P("accessories", "Merino Hiking Socks", "美利奴徒步袜", "Tidepool", 18.00,
  "Crew-height hiking socks in 68% merino wool with a cushioned sole and a seamless toe. Sized S (EU 36-38), "
  "M (39-42), L (43-45), XL (46-47). 70 g per pair.",
  "中筒徒步袜，68% 美利奴羊毛，袜底加厚缓震，无缝脚尖。尺码 S（EU 36-38）、M（39-42）、L（43-45）、XL（46-47），每双 70 克。",
  "grey green navy", "S-XL", material="68% merino wool / 30% nylon / 2% elastane", weight_g=70,
  rating=4.8, popularity=4930)
P("accessories", "Liner Socks", "内衬袜", "Tidepool", 8.00,
  "Thin polyester liner socks that wick sweat and cut blisters under your hiking socks. Sized S to XL; 25 g "
  "per pair.",
  "轻薄聚酯内衬袜，穿在徒步袜里面，排汗并减少磨脚起泡。尺码 S 至 XL，每双 25 克。",
  "black white", "S-XL", material="polyester / elastane", weight_g=25, rating=4.3, popularity=2870)
P("accessories", "Expedition Wool Socks", "远征羊毛袜", "Ridgeline", 26.00,
  "Heavy-cushion, over-the-calf socks for cold boots and long days, in 75% merino. Sized S to XL; 110 g per pair.",
  "厚缓震过小腿长袜，75% 美利奴羊毛，适合寒冷天气和长时间徒步。尺码 S 至 XL，每双 110 克。",
  "grey red", "S-XL", material="75% merino wool / 24% nylon / 1% elastane", weight_g=110)
P("accessories", "Ribbed Merino Beanie", "罗纹美利奴毛线帽", "Hollowpine", 29.00,
  "A double-layer ribbed beanie in 100% merino that's warm without being itchy. One size fits most adults; 60 g.",
  "双层罗纹毛线帽，100% 美利奴羊毛，保暖不扎。均码，适合大多数成年人，重 60 克。",
  "grey red navy yellow green", "one", material="100% merino wool", weight_g=60, rating=4.7, popularity=3320)
P("accessories", "Wide-Brim Sun Hat", "宽檐防晒帽", "Saltmarsh", 42.00,
  "A UPF 50+ sun hat with an 8 cm brim, a chin cord for windy ferry rides, and a foam crown that floats. "
  "Sizes S (55 cm), M (57 cm), L (59 cm); 95 g.",
  "UPF 50+ 宽檐防晒帽，帽檐 8 厘米，配防风帽绳，坐渡轮吹大风也不怕，帽顶内含泡棉可漂浮。尺码 S（55 厘米）、M（57 厘米）、"
  "L（59 厘米），重 95 克。",
  "beige olive", ["S", "M", "L"], material="nylon", weight_g=95, upf=50)
P("accessories", "Trail Trucker Cap", None, "Kestrel", 26.00,
  "A five-panel trucker cap with a mesh back, a snapback closure and a flat brim. One size.",
  None,
  "black blue orange", "one", material="polyester, mesh", weight_g=70)
P("accessories", "Waterproof Insulated Gloves", "防水保暖手套", "Ridgeline", 59.00,
  "Gloves with 100 g synthetic insulation, a waterproof insert, a goat-leather palm and touchscreen-friendly "
  "fingertips. Sizes S to XL; 140 g per pair.",
  "防水保暖手套，100 克合成棉填充，内置防水层，山羊皮掌面，指尖可触屏。尺码 S 至 XL，每双 140 克。",
  "black", "S-XL", material="nylon, goat leather, waterproof insert", waterproof=True, weight_g=140)
P("accessories", "Neck Gaiter", "围脖面罩", "Tidepool", 16.00,
  "A stretchy tube of recycled polyester, UPF 50, that works as a neck gaiter, headband or beanie. One size; 35 g.",
  "再生聚酯弹力筒状围脖，UPF 50，可当围脖、头带或帽子。均码，重 35 克。",
  "blue green pink grey", "one", material="recycled polyester", weight_g=35, upf=50, rating=4.4, popularity=2560)
P("accessories", "Carbon Trekking Poles", "碳纤维登山杖", "Ridgeline", 149.00,
  "A pair of three-section carbon poles with flick locks, adjustable from 100 to 135 cm, with cork grips and "
  "carbide tips. 470 g per pair.",
  "一对三节碳纤维登山杖，快锁调节，长度 100-135 厘米，软木手柄，碳化钨杖尖。每对重 470 克。",
  "black", "one", material="carbon fibre, cork", weight_g=470, rating=4.7, popularity=1480)
P("accessories", "Aluminium Trekking Poles", "铝合金登山杖", "Tidepool", 69.00,
  "A pair of 7075 aluminium poles, adjustable from 105 to 140 cm, with foam grips and snow baskets included. "
  "560 g per pair.",
  "一对 7075 铝合金登山杖，长度 105-140 厘米，泡棉手柄，附雪托。每对重 560 克。",
  "blue grey", "one", material="7075 aluminium, EVA foam", weight_g=560)
P("accessories", "Polarized Sunglasses", None, "Saltmarsh", 79.00,
  "Polarized category 3 polycarbonate lenses with full UV400 protection in a frame that floats if it goes "
  "overboard. Weighs 28 g.",
  None,
  "black blue", "one", material="polycarbonate lenses, nylon frame", weight_g=28)
P("accessories", "Trail Gaiters", "越野鞋套", "Kestrel", 35.00,
  "Low stretch gaiters that keep grit and pine needles out of trail runners; hook on to the laces. Sizes S to L; "
  "45 g per pair.",
  "低帮弹力鞋套，防止沙砾和松针进入跑鞋，挂钩扣在鞋带上即可。尺码 S 至 L，每双 45 克。",
  "black orange", ["S", "M", "L"], material="stretch polyester", weight_g=45)
P("accessories", "Quick-Dry Camp Towel", "速干露营毛巾", "Hollowpine", 25.00,
  "A 60 x 120 cm microfibre towel that dries several times faster than cotton and packs into a mesh pouch. "
  "Weighs 190 g.",
  "60 x 120 厘米超细纤维毛巾，比棉毛巾干得快好几倍，可收进网袋。重 190 克。",
  "blue green beige", "one", material="microfibre", weight_g=190)
P("accessories", "Dry Bag Set of 3", "防水收纳袋三件套", "Tidepool", 34.00,
  "Three roll-top dry bags (5 L, 10 L and 20 L) in 70D TPU-coated nylon, for keeping a spare layer and "
  "electronics dry. 210 g for the set.",
  "三个卷口防水袋（5 升、10 升和 20 升），70D TPU 涂层尼龙，用来保持备用衣物和电子产品干燥。全套重 210 克。",
  "orange blue", "one", material="70D TPU-coated nylon", waterproof=True, weight_g=210, rating=4.6,
  popularity=2310)
P("accessories", "Fire Starter Kit", "生火工具套装", "Emberfox", 19.00,
  "A ferro rod and steel striker with 12 waxed tinder tabs, good for thousands of strikes even when wet. "
  "Weighs 60 g.",
  "镁棒和刮片，附 12 片蜡质引火片，即使受潮也能打火数千次。重 60 克。",
  "black", "one", material="ferrocerium, steel", weight_g=60)
P("accessories", "Kids' Explorer Binoculars 6x21", "儿童探险望远镜 6x21", "Bluegill", 29.00,
  "Rubber-armoured 6x21 binoculars sized for small faces, with a breakaway neck strap and a rain guard. "
  "Weighs 180 g.",
  "适合孩子脸型的 6x21 橡胶包覆望远镜，配安全断开式挂绳和镜头防雨盖。重 180 克。",
  "green orange", "one", material="rubber-armoured polycarbonate", age="kids", weight_g=180)

# --------------------------------------------------------------------------------------------
# LIGHTING
# --------------------------------------------------------------------------------------------
P("lighting", "Beacon 400 Headlamp", "灯塔 400 头灯", "Tidepool", 39.00,
  "A 400-lumen headlamp with a USB-C rechargeable 1,200 mAh battery, a red night-vision mode and IPX4 splash "
  "resistance. Runs 4 h on high and 60 h on low; weighs 88 g.",
  "400 流明头灯，USB-C 充电 1,200 毫安时电池，带红光夜视模式，IPX4 防泼水。高亮模式续航 4 小时，低亮 60 小时，重 88 克。",
  "black orange blue", "one", material="polycarbonate, elastic strap", lumens=400, battery="1,200 mAh USB-C",
  runtime_h_high=4, runtime_h_low=60, ip_rating="IPX4", weight_g=88, rating=4.6, popularity=4120)
P("lighting", "Nightrun 900 Headlamp", "夜跑 900 头灯", "Kestrel", 89.00,
  "A 900-lumen running headlamp with a 2,000 mAh battery at the back of the head for balance, a rear red safety "
  "light and IPX4 weather resistance. Weighs 110 g.",
  "900 流明跑步头灯，2,000 毫安时电池置于后脑以保持平衡，后部有红色安全灯，IPX4 防水。重 110 克。",
  "black yellow", "one", material="aluminium, polycarbonate", lumens=900, battery="2,000 mAh USB-C",
  ip_rating="IPX4", weight_g=110)
P("lighting", "Alpine 1200 Headlamp", "高山 1200 头灯", "Ridgeline", 119.00,
  "A 1,200-lumen headlamp with a swappable 3,000 mAh battery, a lock mode so it won't switch on in your pack, "
  "and an IP67 rating. Works with gloves on. Weighs 170 g.",
  "1,200 流明头灯，3,000 毫安时可更换电池，带锁定模式防止在背包里误开，IP67 防尘防水，戴手套也能操作。重 170 克。",
  "black red", "one", material="aluminium, polycarbonate", lumens=1200, battery="3,000 mAh swappable",
  ip_rating="IP67", weight_g=170, rating=4.8, popularity=980)
P("lighting", "Kids' Glow Headlamp", "儿童萤光头灯", "Bluegill", 19.00,
  "A 50-lumen headlamp with a soft strap, a capped brightness that won't dazzle friends, and a glow-in-the-dark "
  "housing. Uses 3 AAA batteries (included); weighs 60 g.",
  "50 流明儿童头灯，柔软头带，亮度有上限不会晃到小伙伴，外壳夜光。使用 3 节 AAA 电池（已附带），重 60 克。",
  "pink green blue", "one", material="ABS, elastic strap", age="kids", lumens=50, battery="3 x AAA",
  ip_rating="IPX4", weight_g=60)
P("lighting", "Hearth 500 Lantern", "暖炉 500 营地灯", "Hollowpine", 59.00,
  "A 500-lumen lantern with warm 2,700 K light, a dimmer dial and a 5,200 mAh battery that can also charge your "
  "phone. Runs 8 h on high; weighs 350 g.",
  "500 流明营地灯，2,700 K 暖光，旋钮调光，5,200 毫安时电池还能给手机充电。高亮续航 8 小时，重 350 克。",
  "green beige", "one", material="ABS, silicone", lumens=500, battery="5,200 mAh USB-C", runtime_h_high=8,
  ip_rating="IPX4", weight_g=350, rating=4.7, popularity=2290)
P("lighting", "Collapsible Solar Lantern", "折叠太阳能灯", "Tidepool", 29.00,
  "A 100-lumen lantern that charges by solar panel or USB-C and collapses to 2.5 cm thick. IP67 and it floats; "
  "weighs 105 g.",
  "100 流明营地灯，可太阳能或 USB-C 充电，折叠后仅 2.5 厘米厚。IP67 防水，可漂浮，重 105 克。",
  "white yellow", "one", material="TPU, solar panel", lumens=100, battery="solar / USB-C", ip_rating="IP67",
  weight_g=105)
P("lighting", "Edison String Lights 5m", "爱迪生串灯 5 米", "Emberfox", 18.00,
  "Clearance, final sale. A 5 m USB-powered string with 10 warm-white LED bulbs, 150 lumens in total. "
  "Originally $35.",
  "清仓特卖，不退不换。5 米 USB 供电串灯，10 颗暖白 LED 灯泡，总亮度 150 流明。原价 35 美元。",
  "black", "one", material="PVC cable, shatterproof bulbs", lumens=150, battery="USB power", weight_g=210,
  final_sale=True, was_price=35.00, rating=4.2, popularity=760)
P("lighting", "Tactical Flashlight 1000", None, "Ridgeline", 69.00,
  "A 1,000-lumen flashlight running on a rechargeable 21700 cell, with a USB-C port under a sealed cap. "
  "Waterproof to IPX8; weighs 165 g.",
  None,
  "black", "one", material="aluminium", lumens=1000, battery="21700 Li-ion USB-C", ip_rating="IPX8",
  weight_g=165, oos=True)
P("lighting", "Floating Waterproof Flashlight 300", "漂浮防水手电 300", "Saltmarsh", 32.00,
  "A 300-lumen flashlight in a bright, buoyant housing that floats and is waterproof to IPX8. Uses 3 AA "
  "batteries (included); weighs 150 g.",
  "300 流明手电，醒目的浮力外壳可漂浮在水面，IPX8 防水。使用 3 节 AA 电池（已附带），重 150 克。",
  "yellow orange", "one", material="ABS", lumens=300, battery="3 x AA", ip_rating="IPX8", weight_g=150)
P("lighting", "Clip Light 60", None, "Kestrel", 15.00,
  "A 60-lumen micro light with a magnetic clip for pack straps and hat brims. USB-C rechargeable; weighs 20 g.",
  None,
  "black orange", "one", material="polycarbonate", lumens=60, battery="USB-C", ip_rating="IPX4", weight_g=20)

# --------------------------------------------------------------------------------------------
# HYDRATION
# --------------------------------------------------------------------------------------------
P("hydration", "Insulated Bottle 750ml", "保温水瓶 750 毫升", "Bluegill", 34.00,
  "A double-wall vacuum bottle in 18/8 stainless steel that keeps drinks cold for 24 h or hot for 12 h. "
  "Leakproof lid with a carry loop; weighs 380 g.",
  "18/8 不锈钢双层真空保温瓶，冷饮保冷 24 小时，热饮保温 12 小时。防漏杯盖带提环，重 380 克。",
  "blue green white pink black", "one", material="18/8 stainless steel", capacity_l=0.75, insulated=True,
  weight_g=380, rating=4.8, popularity=4760)
P("hydration", "Insulated Bottle 1.2L", "保温水瓶 1.2 升", "Bluegill", 42.00,
  "The big sibling of our best-selling bottle: 1.2 L of double-wall vacuum stainless, cold for 24 h or hot for "
  "12 h. Weighs 540 g.",
  "畅销保温瓶的“大号兄弟”：1.2 升不锈钢双层真空，保冷 24 小时或保温 12 小时。重 540 克。",
  "blue green black", "one", material="18/8 stainless steel", capacity_l=1.2, insulated=True, weight_g=540,
  rating=4.7, popularity=2210)
P("hydration", "Squeeze Water Filter", "挤压式净水器", "Bluegill", 39.00,
  "A 0.1-micron hollow-fibre filter that removes 99.99999% of bacteria and 99.9999% of protozoa. Screws onto "
  "the included 1 L pouch or most bottles; rated for 2,000 L. Weighs 85 g.",
  "0.1 微米中空纤维过滤器，可去除 99.99999% 的细菌和 99.9999% 的原生动物。可拧在附带的 1 升水袋或大多数水瓶上，"
  "额定过滤量 2,000 升。重 85 克。",
  "blue", "one", material="hollow-fibre membrane, polypropylene", filter_liters=2000, capacity_l=1.0,
  weight_g=85, rating=4.6, popularity=2890)
P("hydration", "Gravity Filter 6L", "重力净水器 6 升", "Bluegill", 99.00,
  "Hang the 6 L dirty bag from a branch and it filters about 1.5 L per minute into your pot or bottle, no "
  "pumping. Same 0.1-micron hollow-fibre element; weighs 320 g.",
  "把 6 升原水袋挂在树枝上，每分钟约可过滤 1.5 升水到锅或水瓶中，无需手压。同样采用 0.1 微米中空纤维滤芯，重 320 克。",
  "blue grey", "one", material="TPU, hollow-fibre membrane", capacity_l=6, filter_liters=2000,
  flow_l_per_min=1.5, weight_g=320)
P("hydration", "Hydration Reservoir 3L", "水袋 3 升", "Tidepool", 39.00,
  "A 3 L BPA-free TPU reservoir with a wide slide-top opening for easy cleaning and a quick-disconnect hose. "
  "Weighs 195 g.",
  "3 升无双酚 A 的 TPU 水袋，宽口滑盖方便清洗，吸管快拆接头。重 195 克。",
  "blue", "one", material="TPU", capacity_l=3, weight_g=195, rating=4.4, popularity=2030)
P("hydration", "Soft Flask 500ml", "软水壶 500 毫升", "Kestrel", 18.00,
  "A 500 ml collapsible flask with a bite valve that fits running vest pockets. Rolls up to nothing when "
  "empty; weighs 30 g.",
  "500 毫升可折叠软水壶，带咬嘴阀，可放进跑步背心口袋。喝完卷起几乎不占空间，重 30 克。",
  "blue grey", "one", material="TPU", capacity_l=0.5, weight_g=30)
P("hydration", "Kids' Trail Sipper 400ml", "儿童步道吸管杯 400 毫升", "Bluegill", 19.00,
  "A 400 ml kids' bottle with a flip-up straw lid that doesn't leak in a backpack. Stainless steel, "
  "single-wall; weighs 180 g.",
  "400 毫升儿童水杯，翻盖吸管放在书包里也不漏。单层不锈钢，重 180 克。",
  "pink blue green yellow", "one", material="stainless steel, silicone straw", age="kids", capacity_l=0.4,
  insulated=False, weight_g=180, rating=4.7, popularity=1640)
P("hydration", "Collapsible Water Jug 10L", "折叠水桶 10 升", "Tidepool", 22.00,
  "A 10 L water carrier with a spigot that folds flat when empty. Weighs 230 g.",
  "10 升储水桶，带出水龙头，空桶时可折平。重 230 克。",
  "blue", "one", material="BPA-free polyethylene", capacity_l=10, weight_g=230)
P("hydration", "UV Purifier Pen", None, "Bluegill", 89.00,
  "A UV-C purifier that treats 1 L of clear water in 90 seconds. USB-C rechargeable, about 50 litres per "
  "charge; weighs 70 g.",
  None,
  "black", "one", material="aluminium, quartz", weight_g=70, liters_per_charge=50)
P("hydration", "Water Purification Tablets 30-Pack", "净水片 30 片装", "Bluegill", 12.00,
  "Thirty chlorine dioxide tablets, each treating 1 L of water. Wait 30 minutes for bacteria and viruses and "
  "4 hours for cryptosporidium.",
  "30 片二氧化氯净水片，每片处理 1 升水。杀灭细菌和病毒需等待 30 分钟，杀灭隐孢子虫需等待 4 小时。",
  "white", "one", material="chlorine dioxide tablets", weight_g=20)
P("hydration", "Insulated Growler 1.9L", None, "Saltmarsh", 55.00,
  "A 1.9 L double-wall stainless growler with a pressure-tight cap, keeping drinks cold for 24 hours. "
  "Weighs 780 g.",
  None,
  "black olive", "one", material="18/8 stainless steel", capacity_l=1.9, insulated=True, weight_g=780)
P("hydration", "Summit Tritan Bottle 1L", "巅峰 Tritan 水瓶 1 升", "Ridgeline", 15.00,
  "A wide-mouth 1 L bottle in BPA-free Tritan with graduated markings in ml and oz. Fits most filters; "
  "weighs 180 g.",
  "1 升宽口水瓶，无双酚 A 的 Tritan 材质，带毫升和盎司刻度，适配大多数净水器。重 180 克。",
  "blue green purple grey", "one", material="Tritan copolyester", capacity_l=1.0, insulated=False,
  weight_g=180, rating=4.5, popularity=3110)

# --------------------------------------------------------------------------------------------
# CUSTOMERS (fictional people; 555-01xx numbers and example.* domains are reserved for fiction)
# --------------------------------------------------------------------------------------------
def _addr(line1, city, region, postal_code, country):
    return {"line1": line1, "city": city, "region": region, "postal_code": postal_code, "country": country}


CUSTOMERS = [
    ("C001", "Maya Okafor", "maya.okafor@example.com", "+1-503-555-0107", "en", "gold",
     _addr("1420 SE Alder St", "Portland", "OR", "97214", "US")),
    ("C002", "Daniel Reyes", "daniel.reyes@example.com", "+1-206-555-0133", "en", "silver",
     _addr("3318 Fremont Ave N", "Seattle", "WA", "98103", "US")),
    ("C003", "Priya Natarajan", "priya.n@example.com", "+1-415-555-0188", "en", "gold",
     _addr("742 Valencia St, Apt 5", "San Francisco", "CA", "94110", "US")),
    ("C004", "Tom Whitaker", "tom.whitaker@example.com", "+1-208-555-0119", "en", "none",
     _addr("15 Larch Ln", "Sandpoint", "ID", "83864", "US")),
    ("C005", "Hannah Lindqvist", "hannah.lindqvist@example.com", "+1-907-555-0150", "en", "silver",
     _addr("2201 Spenard Rd", "Anchorage", "AK", "99503", "US")),
    ("C006", "Marcus Bell", "marcus.bell@example.com", "+1-303-555-0172", "en", "none",
     _addr("960 Pearl St", "Boulder", "CO", "80302", "US")),
    ("C007", "Aisha Rahman", "aisha.rahman@example.com", "+1-612-555-0145", "en", "silver",
     _addr("410 W Lake St", "Minneapolis", "MN", "55408", "US")),
    ("C008", "Jake Thornton", "jake.thornton@example.com", "+1-802-555-0161", "en", "none",
     _addr("27 Maple Ridge Rd", "Burlington", "VT", "05401", "US")),
    ("C009", "Sofia Martinez", "sofia.martinez@example.com", "+1-512-555-0124", "en", "gold",
     _addr("1804 S Congress Ave", "Austin", "TX", "78704", "US")),
    ("C010", "Ben Carter", "ben.carter@example.com", "+1-503-555-0198", "en", "none",
     _addr("612 Marine Dr", "Astoria", "OR", "97103", "US")),
    ("C011", "Grace Kim", "grace.kim@example.com", "+1-617-555-0111", "en", "silver",
     _addr("55 Cambridge Pkwy, Apt 12", "Cambridge", "MA", "02142", "US")),
    ("C012", "Owen Fitzgerald", "owen.fitz@example.com", "+1-541-555-0176", "en", "gold",
     _addr("230 NW Franklin Ave", "Bend", "OR", "97703", "US")),
    ("C013", "Lena Novak", "lena.novak@example.com", "+1-801-555-0139", "en", "none",
     _addr("1175 E 900 S", "Salt Lake City", "UT", "84105", "US")),
    ("C014", "Chris Okonkwo", "chris.okonkwo@example.com", "+1-919-555-0154", "en", "silver",
     _addr("309 Hillsborough St", "Raleigh", "NC", "27603", "US")),
    ("C015", "Emily Sato", "emily.sato@example.com", "+1-808-555-0166", "en", "none",
     _addr("1450 Ala Moana Blvd, Apt 2204", "Honolulu", "HI", "96814", "US")),
    ("C016", "Ryan O'Connell", "ryan.oconnell@example.com", "+1-406-555-0128", "en", "none",
     _addr("88 Front St", "Missoula", "MT", "59802", "US")),
    ("C017", "Nadia Haddad", "nadia.haddad@example.com", "+1-734-555-0190", "en", "silver",
     _addr("215 S State St", "Ann Arbor", "MI", "48104", "US")),
    ("C018", "Sam Patel", "sam.patel@example.com", "+1-480-555-0181", "en", "none",
     _addr("1020 E Apache Blvd", "Tempe", "AZ", "85281", "US")),
    ("C019", "Claire Dubois", "claire.dubois@example.com", "+1-604-555-0113", "en", "silver",
     _addr("1180 Commercial Dr", "Vancouver", "BC", "V5L 3X4", "CA")),
    ("C020", "Zhang Wei", "zhang.wei@example.com", "+1-206-555-0147", "zh", "silver",
     _addr("4522 University Way NE", "Seattle", "WA", "98105", "US")),
    ("C021", "陈思雨", "chen.siyu@example.com", "+1-650-555-0193", "zh", "gold",
     _addr("2300 El Camino Real, Apt 14", "Palo Alto", "CA", "94306", "US")),
    ("C022", "李文", "li.wen@example.cn", "+86-138-0000-0101", "zh", "gold",
     _addr("浦东新区张杨路 1588 号 12 号楼 601 室", "上海", "上海市", "200122", "CN")),
    ("C023", "王晓明", "wang.xiaoming@example.cn", "+86-139-0000-0102", "zh", "none",
     _addr("朝阳区望京街 9 号 3 单元 1102 室", "北京", "北京市", "100102", "CN")),
    ("C024", "刘洋", "liu.yang@example.cn", "+86-137-0000-0103", "zh", "silver",
     _addr("西湖区文三路 478 号 2 幢 503 室", "杭州", "浙江省", "310013", "CN")),
    ("C025", "赵敏", "zhao.min@example.cn", "+86-136-0000-0104", "zh", "silver",
     _addr("武侯区玉林南路 36 号 7 栋 2 单元 402 室", "成都", "四川省", "610041", "CN")),
    ("C026", "黄俊杰", "huang.junjie@example.cn", "+86-135-0000-0105", "zh", "none",
     _addr("南山区深南大道 9966 号 A 座 1803 室", "深圳", "广东省", "518057", "CN")),
    ("C027", "周琳", "zhou.lin@example.cn", "+86-158-0000-0106", "zh", "gold",
     _addr("天河区体育西路 103 号 1508 室", "广州", "广东省", "510620", "CN")),
    ("C028", "孙浩然", "sun.haoran@example.cn", "+86-186-0000-0107", "zh", "none",
     _addr("五华区翠湖南路 58 号 3 栋 201 室", "昆明", "云南省", "650031", "CN")),
    ("C029", "吴婷", "wu.ting@example.cn", "+86-189-0000-0108", "zh", "silver",
     _addr("鼓楼区广州路 188 号 6 楼 602 室", "南京", "江苏省", "210024", "CN")),
    ("C030", "Jordan Ellis", "jordan.ellis@example.com", "+1-360-555-0104", "en", "none",
     _addr("1400 Water St", "Port Townsend", "WA", "98368", "US")),
]

# --------------------------------------------------------------------------------------------
# STORE RULES used to price orders (must match data/store/store.yml; the tests check both)
# --------------------------------------------------------------------------------------------
SHIPPING = {  # method: (price, carriers, calendar transit days min..max)
    "standard": (5.95, ["USPS", "UPS"], (4, 8)),
    "express": (14.95, ["UPS"], (2, 4)),
    "next_day": (29.95, ["FedEx"], (1, 1)),
    "international": (24.95, ["DHL"], (8, 16)),
}
FREE_OVER = {"standard": 75.0, "international": 200.0}

STATUS_COUNTS = {"pending": 8, "paid": 9, "shipped": 12, "delivered": 24, "cancelled": 8, "returned": 9}

# Hand-picked orders that the dialogue tests and demos rely on; the rest are drawn at random.
# items: (product name, colour, size, quantity); colour/size None = pick a variant at random.
PINNED = [
    dict(key="final_sale_mix", customer="C001", status="delivered", delivered=12, method="standard",
         payment="visa", items=[("Recovery Slide", "black", "39", 1), ("Tidewater Merino Tee", "navy", "M", 1)]),
    dict(key="same_customer_shipped", customer="C001", status="shipped", shipped=1, method="express",
         payment="apple_pay", items=[("Driftwood 2 Backpacking Tent", "olive", "one size", 1),
                                     ("Titanium Spork", "grey", "one size", 2)]),
    dict(key="outside_window", customer="C004", status="delivered", delivered=45, method="standard",
         payment="mastercard", items=[("Granite Backpacking Boot", "brown", "44", 1)]),
    dict(key="inside_window_single", customer="C006", status="delivered", delivered=8, method="standard",
         payment="paypal", items=[("Beacon 400 Headlamp", "orange", "one size", 1)]),
    dict(key="cn_delivered_qty", customer="C022", status="delivered", delivered=20, method="international",
         payment="alipay", items=[("Ember 0C Down Sleeping Bag", "navy", "one size", 1),
                                  ("Insulated Bottle 750ml", "green", "one size", 2)]),
    dict(key="cn_shipped", customer="C023", status="shipped", shipped=3, method="international",
         payment="wechat_pay", items=[("Trailmark Mid Waterproof Hiking Boot", "brown", "43", 1),
                                      ("Merino Hiking Socks", "grey", "L", 3)]),
    dict(key="cn_pending", customer="C024", status="pending", method="international", payment="alipay",
         items=[("Harbor Shell 2.5L Rain Jacket", "navy", "L", 1)]),
    dict(key="window_day_29", customer="C009", status="delivered", delivered=29, method="express",
         payment="amex", items=[("Expedition 65", "blue", "M", 1), ("Hydration Reservoir 3L", "blue", "one size", 1),
                                ("Pocket Canister Stove", "grey", "one size", 1),
                                ("Liner Socks", "black", "M", 2)]),
    dict(key="window_day_31", customer="C012", status="delivered", delivered=31, method="standard",
         payment="visa", items=[("Driftwood 700 Down Jacket", "olive", "L", 1)]),
    dict(key="returned_runner", customer="C002", status="returned", delivered=26, returned=10, method="standard",
         payment="visa", items=[("Skyrunner Trail Running Shoe", "blue", "42", 1)]),
    dict(key="cn_outside_window", customer="C027", status="delivered", delivered=64, method="international",
         payment="wechat_pay", items=[("Four-Season Basecamp 2", "yellow", "one size", 1)]),
    dict(key="next_day_paid", customer="C003", status="paid", placed=0, method="next_day", payment="amex",
         items=[("Alpine 1200 Headlamp", "black", "one size", 1), ("Carbon Trekking Poles", "black", "one size", 1)]),
    dict(key="fuel_standard", customer="C010", status="shipped", shipped=2, method="standard", payment="discover",
         items=[("Isobutane Fuel Canister 230g", "blue", "one size", 4),
                ("Integrated Cook System 1L", "orange", "one size", 1)]),
    dict(key="cancelled_single", customer="C013", status="cancelled", placed=9, method="express",
         payment="mastercard", items=[("Summit Pro 3L Hardshell", "red", "M", 1)]),
    dict(key="pending_paypal", customer="C015", status="pending", method="express", payment="paypal",
         items=[("Cove Sport Sandal", "olive", "41", 1), ("Wide-Brim Sun Hat", "beige", "M", 1)]),
    dict(key="cn_returned", customer="C025", status="returned", delivered=40, returned=15, method="international",
         payment="alipay", items=[("Women's Trailmark Mid Waterproof Hiking Boot", "purple", "38", 1)]),
    dict(key="zh_us_delivered", customer="C021", status="delivered", delivered=5, method="standard",
         payment="gift_card", items=[("Kids' Puddle Jumper Rain Jacket", "yellow", "S", 2),
                                     ("Kids' Trail Buddy 12", "pink", "one size", 1)]),
]

PAYMENTS_US = (["visa", "mastercard", "amex", "discover", "paypal", "apple_pay", "google_pay", "gift_card"],
               [30, 20, 9, 3, 16, 12, 5, 5])
PAYMENTS_CN = (["alipay", "wechat_pay", "unionpay", "visa"], [45, 35, 12, 8])
PENDING_PAYMENTS = {"US": ["paypal"], "CN": ["alipay", "wechat_pay"]}


def slugify(name: str) -> str:
    s = name.lower().replace("'", "")
    return re.sub(r"[^a-z0-9]+", "-", s).strip("-")


def build_catalog(rng: random.Random) -> list[dict]:
    counters: dict[str, int] = {}
    catalog = []
    for p in PRODUCTS:
        code = CAT_CODE[p["cat"]]
        counters[code] = counters.get(code, 0) + 1
        slug = slugify(p["name"])
        variants = []
        zero_chance = 0.12 if len(p["colors"]) * len(p["sizes"]) > 1 else 0.03
        for colour in p["colors"]:
            for size in p["sizes"]:
                if p["oos"] or rng.random() < zero_chance:
                    stock = 0
                elif rng.random() < 0.2:
                    stock = rng.randint(1, 4)
                else:
                    stock = rng.randint(5, 60)
                variants.append({"color": colour, "size": size, "stock": stock})
        attributes = {"colors": p["colors"], "sizes": p["sizes"], **p["attrs"]}
        catalog.append({
            "id": f"TP-{code}-{counters[code]:03d}",
            "name": p["name"],
            "name_zh": p["name_zh"],
            "description": p["desc"],
            "description_zh": p["desc_zh"],
            "category": p["cat"],
            "brand": p["brand"],
            "price": p["price"],
            "currency": "USD",
            "url": f"{BASE_URL}/products/{slug}",
            "image": f"{BASE_URL}/img/{slug}.jpg",
            "attributes": attributes,
            "variants": variants,
            "rating": p["rating"] if p["rating"] is not None else round(rng.uniform(3.6, 4.8), 1),
            "popularity": p["popularity"] if p["popularity"] is not None else rng.randint(60, 1500),
        })
    return catalog


def _cents(x: float) -> int:
    return int(round(x * 100))


def _tracking(rng: random.Random, carrier: str) -> str:
    digits = lambda n: "".join(rng.choice("0123456789") for _ in range(n))  # noqa: E731
    if carrier == "UPS":
        return "1Z" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(6)) + digits(10)
    if carrier == "USPS":
        return "9400" + digits(18)
    if carrier == "FedEx":
        return digits(12)
    return digits(10)  # DHL


def build_orders(rng: random.Random, catalog: list[dict]) -> list[dict]:
    by_name = {p["name"]: p for p in catalog}
    customers = {c[0]: c for c in CUSTOMERS}
    specs = [dict(s) for s in PINNED]
    have = {st: sum(1 for s in specs if s["status"] == st) for st in STATUS_COUNTS}
    cust_ids = [c[0] for c in CUSTOMERS]
    cust_weights = [3 if c[6]["country"] == "CN" else 2 for c in CUSTOMERS]
    delivered_pool = [1, 2, 3, 4, 6, 9, 11, 14, 16, 18, 22, 25, 27, 33, 38, 52, 70, 88, 110, 150]
    rng.shuffle(delivered_pool)
    for status, want in STATUS_COUNTS.items():
        for _ in range(want - have[status]):
            spec = {"key": None, "customer": rng.choices(cust_ids, cust_weights)[0], "status": status, "items": None}
            if status == "delivered":
                spec["delivered"] = delivered_pool.pop()
            specs.append(spec)

    orders = []
    for seq, spec in enumerate(specs):
        cid, name, email, phone, lang, tier, addr = customers[spec["customer"]]
        country = addr["country"]
        status = spec["status"]
        domestic = country == "US"
        # ---- items
        if spec["items"]:
            items = []
            for pname, colour, size, qty in spec["items"]:
                prod = by_name[pname]
                assert any(v["color"] == colour and v["size"] == size for v in prod["variants"]), (pname, colour, size)
                items.append((prod, colour, size, qty))
        else:
            n = rng.choices([1, 2, 3, 4], [45, 30, 15, 10])[0]
            pool = [p for p in catalog
                    if not (p["attributes"].get("hazmat") and not domestic)
                    and not (status == "returned" and p["attributes"].get("final_sale"))]
            weights = [p["popularity"] ** 0.5 for p in pool]
            items, used = [], set()
            while len(items) < n:
                prod = rng.choices(pool, weights)[0]
                if prod["id"] in used:
                    continue
                variants = prod["variants"]
                if status in ("pending", "paid"):
                    variants = [v for v in variants if v["stock"] > 0]
                    if not variants:
                        continue
                used.add(prod["id"])
                v = rng.choice(variants)
                qty = rng.choice([2, 3]) if prod["price"] < 30 and rng.random() < 0.25 else 1
                items.append((prod, v["color"], v["size"], qty))
        has_hazmat = any(p["attributes"].get("hazmat") for p, *_ in items)
        # ---- shipping
        method = spec.get("method")
        if method is None:
            if not domestic:
                method = "international"
            elif has_hazmat:
                method = "standard"
            else:
                options = ["standard", "express"] + ([] if addr["region"] in ("AK", "HI") else ["next_day"])
                method = rng.choices(options, [65, 25, 10][:len(options)])[0]
        price, carriers, (tmin, tmax) = SHIPPING[method]
        subtotal_c = sum(_cents(p["price"]) * q for p, _, _, q in items)
        ship_c = 0 if method in FREE_OVER and subtotal_c >= _cents(FREE_OVER[method]) else _cents(price)
        # ---- dates (days ago, 0 = today)
        transit = rng.randint(tmin, tmax)
        placed = shipped = delivered = returned = eta = None
        if status == "pending":
            placed = 0
        elif status == "paid":
            placed = spec.get("placed", rng.randint(0, 2))
        elif status == "cancelled":
            placed = spec.get("placed", rng.randint(1, 60))
        elif status == "shipped":
            shipped = spec.get("shipped", rng.randint(0, max(0, transit - 1)))
            eta = max(transit - shipped, 0)
            placed = shipped + rng.randint(0, 1)
        else:  # delivered / returned
            delivered = spec.get("delivered", rng.randint(8, 70))
            if status == "returned":
                returned = spec.get("returned", max(0, delivered - rng.randint(5, 28)))
                assert delivered - returned <= 30
            shipped = delivered + transit
            placed = shipped + rng.randint(0, 1)
        carrier = tracking = None
        if shipped is not None:
            carrier = rng.choice(carriers)
            tracking = _tracking(rng, carrier)
        # ---- payment
        payment = spec.get("payment")
        if payment is None:
            if status == "pending":
                payment = rng.choice(PENDING_PAYMENTS["CN" if country == "CN" else "US"])
            else:
                payment = rng.choices(*(PAYMENTS_CN if country == "CN" else PAYMENTS_US))[0]
        orders.append({
            "_sort": (-placed, seq), "key": spec["key"],
            "customer_id": cid, "email": email, "status": status,
            "placed_days_ago": placed, "shipped_days_ago": shipped, "delivered_days_ago": delivered,
            "returned_days_ago": returned,
            "carrier": carrier, "tracking_number": tracking, "eta_days": eta,
            "shipping_method": method, "shipping_address": dict(addr),
            "items": [{"product_id": p["id"], "name": p["name"], "color": c, "size": s, "quantity": q,
                       "unit_price": p["price"]} for p, c, s, q in items],
            "subtotal": subtotal_c / 100, "shipping_cost": ship_c / 100,
            "total": (subtotal_c + ship_c) / 100, "currency": "USD", "payment_method": payment,
        })
    orders.sort(key=lambda o: o.pop("_sort"))
    out = []
    for i, o in enumerate(orders):
        o.pop("key")
        out.append({"id": f"TP{10001 + i}", **o})
    return out


def pinned_ids(orders: list[dict]) -> dict:
    """Map of PINNED keys to the order ids they received (printed for the docs)."""
    res = {}
    for spec in PINNED:
        for o in orders:
            names = [(it["name"], it["color"], it["size"], it["quantity"]) for it in o["items"]]
            if o["customer_id"] == spec["customer"] and o["status"] == spec["status"] and names == list(spec["items"]):
                res[spec["key"]] = o["id"]
    return res


def main() -> None:
    rng = random.Random(SEED)
    catalog = build_catalog(rng)
    orders = build_orders(rng, catalog)
    customers = [{"id": c[0], "name": c[1], "email": c[2], "phone": c[3], "language": c[4],
                  "membership_tier": c[5], "address": c[6]} for c in CUSTOMERS]
    OUT.mkdir(parents=True, exist_ok=True)
    with open(OUT / "catalog.jsonl", "w", encoding="utf-8") as f:
        for p in catalog:
            f.write(json.dumps(p, ensure_ascii=False) + "\n")
    (OUT / "customers.json").write_text(json.dumps(customers, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (OUT / "orders.json").write_text(json.dumps(orders, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"{len(catalog)} products, {len(customers)} customers, {len(orders)} orders")
    for key, oid in pinned_ids(orders).items():
        print(f"  {oid}  {key}")


if __name__ == "__main__":
    main()

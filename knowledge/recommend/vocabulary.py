"""The recommender's words: the demo store's categories, colours, sizes, audiences and needs in English and Chinese,
budget and follow-up phrasings. A catalogue's own category, brand, colour and size values are added at run time
(catalog.py); these tables only add synonyms."""
from __future__ import annotations

import re

from shop.numerals import CN_DIGITS

COLOR_ZH = {"black": "黑色", "white": "白色", "grey": "灰色", "navy": "藏青色", "blue": "蓝色", "green": "绿色",
            "olive": "橄榄绿", "red": "红色", "orange": "橙色", "yellow": "黄色", "pink": "粉色", "purple": "紫色",
            "brown": "棕色", "beige": "米色"}
COLOR_WORDS = {"gray": "grey", "khaki": "beige", "tan": "beige", "cream": "beige", "navy blue": "navy",
               "dark blue": "navy", "light blue": "blue", "sky blue": "blue", "olive green": "olive",
               "藏青": "navy", "海军蓝": "navy", "深蓝": "navy", "军绿": "olive", "橄榄绿": "olive", "橄榄": "olive",
               "卡其": "beige", "米色": "beige", "米白": "beige", "咖啡色": "brown", "粉红": "pink", "天蓝": "blue"}
COLOR_CHAR = {"黑": "black", "白": "white", "灰": "grey", "蓝": "blue", "绿": "green", "红": "red", "橙": "orange",
              "黄": "yellow", "粉": "pink", "紫": "purple", "棕": "brown", "褐": "brown"}  # only before 色/的/款
# Words for the demo store's categories. Before "|" strong, after it weak: a weak word names the category only
# when no strong word does ("fleece jacket" is a jacket). Other catalogues use their own category names.
CATEGORY_WORDS = {
    "jackets": "jacket coat raincoat parka puffy anorak windbreaker hardshell 外套 夹克 冲锋衣 雨衣 羽绒服 风衣 棉服"
               " 滑雪服|shell",
    "tops": "shirt tee t-shirt polo pullover sweater hoodie rashguard 上衣 衬衫 T恤 t恤 毛衣 卫衣 打底衫 套头衫"
            "|top fleece 抓绒",
    "pants": "pant trousers shorts legging tights 裤子 短裤 长裤 紧身裤|裤",
    "footwear": "shoe boot sandal sneaker trainers footwear 鞋 靴 凉鞋",
    "backpacks": "backpack daypack rucksack 背包 双肩包|pack 包",
    "tents": "tent 帐篷 天幕|shelter",
    "sleeping": "sleeping bag sleeping pad sleeping mat cot 睡袋 睡垫 防潮垫 行军床|mat pad",
    "camp_kitchen": "stove cookware skillet cooler 炉头 炉子 炊具 锅 冷藏箱 餐具|pot pan mug kitchen 杯",
    "accessories": "hat beanie glove sock sunglasses gaiter binoculars 帽子 手套 袜子 登山杖|cap poles",
    "lighting": "headlamp lantern flashlight torch 头灯 营地灯 手电|灯",
    "hydration": "bottle filter flask hydration reservoir 水壶 水瓶 滤水器 保温杯|water 水杯",
}
AUDIENCE = {
    "kids": r"\b(kids?|child(ren)?|boys?|girls?|youth|junior|toddlers?|my (son|daughter))\b"
            r"|儿童|孩子|小孩|童|宝宝|儿子|女儿",
    "women": r"\b(women'?s?|woman'?s|ladies|female|my (wife|girlfriend|mom|mother))\b"
             r"|女款|女士|女生|女式|女性|老婆|妻子|女朋友|妈妈",
    "men": r"\b(men'?s?|man'?s|male|my (husband|boyfriend|dad|father))\b"
           r"|男款|男士|男生|男式|男性|老公|丈夫|男朋友|爸爸"}
# Needs stated in free text -> the attribute that answers them. Reasons quote these attributes; yes/no attributes
# also filter, softly (relaxed, and reported, when nothing else passes).
RAIN = r"\b(waterproof|rain\w*|wet|storms?|stormy|downpours?)\b|防水|雨"
NEEDS = {"waterproof_rating_mm": RAIN, "waterproof": RAIN,
         "temp_rating_c": r"\b(warm|cold|winter|freezing|snow\w*)\b|保暖|冬|冷|下雪",
         "insulated": r"\b(insulated|hot drinks?)\b|保温",
         "weight_g": r"\b(light|lightweight|ultralight|packable)\b|轻",
         "capacity_l": r"\b(capacity|litres?|liters?|big|roomy)\b|容量|大容量",
         "persons": r"\b(people|persons?|family|couple)\b|双人|家庭|[一二三四两1-6]\s*人",
         "lumens": r"\b(bright|lumens?|dark)\b|亮|夜",
         "upf": r"\b(sun|uv|upf)\b|防晒|紫外线|太阳",
         "material": r"\b(merino|wool|down|cotton|nylon|polyester|fleece|leather|hemp|linen|recycled)\b|羊毛|美利奴|"
                     r"羽绒|棉|尼龙|涤纶|抓绒|真皮|汉麻|再生"}
# "Goes well with": the demo store's category pairs, most useful first; other catalogues fall back to retrieval.
COMPLEMENTS = {"jackets": ["pants", "backpacks", "accessories", "tops"], "tops": ["pants", "jackets", "accessories"],
               "pants": ["tops", "footwear", "jackets"], "footwear": ["accessories", "pants", "backpacks"],
               "backpacks": ["hydration", "lighting", "accessories"], "tents": ["sleeping", "lighting", "camp_kitchen"],
               "sleeping": ["tents", "lighting", "camp_kitchen"], "camp_kitchen": ["hydration", "lighting", "tents"],
               "accessories": ["jackets", "backpacks", "footwear"], "lighting": ["tents", "backpacks", "camp_kitchen"],
               "hydration": ["backpacks", "camp_kitchen", "lighting"]}
SIZE_WORDS = {"small": "S", "medium": "M", "large": "L", "extra large": "XL", "x-large": "XL", "小号": "S", "中号": "M",
              "大号": "L", "加大": "XL", "加大号": "XL", "特大号": "XXL", "均码": "ONE SIZE", "one size": "ONE SIZE"}
SIZE = r"[2-5]XL|XXXL|XXL|XL|XS|S|M|L|\d{1,2}(?:\.5)?"
# (pattern, case-sensitive, explicit). The first match wins; a loose one ("in M") only if the catalogue has that
# size, an explicit one ("size 10", "10码") always, so a size we do not carry empties the list instead of vanishing.
SIZE_PATTERNS = [
    # "size M", "size: 10", "size is L", "sz10"; never the s of "sizes"
    (rf"\b(?:size|sz)(?:\s*(?:is|:)\s*|\s+|(?=\d))(?:eu\s*)?({SIZE}|small|medium|large|extra large|x-large)\b", False,
     True),
    (r"\beu\s*(\d{2})\b", False, True), (rf"(?<![A-Za-z0-9])({SIZE})\s*(?:码|号)", False, True),
    (rf"尺码\s*(?:是|为)?\s*({SIZE})", False, True), (r"(?<![A-Za-z0-9])(XXL|XL|XS)(?![A-Za-z])", False, False),
    (r"(?<![A-Za-z0-9])([2-5]XL|XXXL)(?![A-Za-z])", False, True),  # "in 3XL": a size, carried or not
    (r"\bin (?:an? )?(S|M|L)\b", True, False), (r"\b(S|M|L)\s+size\b", True, False),
    (r"\bin (small|medium|large|extra large|x-large)\b", False, False),
    (r"(小号|中号|大号|加大号|加大|特大号|均码|one size)", False, False)]

NOT_A_PRICE = (r"(?!\s*(?:kg|g\b|grams?|lbs?|pounds?|oz|l\b|lit|mm|cm|m\b|lumens?|people|persons?|°|degrees?|c\b|%"
               r"|度|公斤|克|升|毫米|人|流明))")
NUM = r"(\d[\d,]*(?:\.\d+)?)"
CUR = r"\s*(?:dollars?|usd|bucks|块钱|块|元|美元|美金|刀)"
BUDGET = [  # (pattern, kind); the first match wins
    (rf"(?:between|from)\s*\$?\s*{NUM}{CUR}?\s*(?:and|to|-|–)\s*\$?\s*{NUM}{CUR}?", "range"),
    (rf"\$\s*{NUM}\s*(?:-|–|to)\s*\$?\s*{NUM}", "range"),
    (rf"{NUM}\s*(?:-|–|to)\s*{NUM}{CUR}", "range"),
    (rf"{NUM}{CUR}?\s*(?:到|至|-|~|～)\s*{NUM}\s*(?:(?:dollars?|块钱|块|元|美元|美金|刀)\s*(?:之间)?|之间)", "range"),
    (rf"(?:under|below|less than|cheaper than|up to|max(?:imum)?|at most|no more than|within|not over|"
     rf"budget(?: of| is)?|around|about|<=?)\s*\$?\s*{NUM}{NOT_A_PRICE}(?:{CUR})?", "max"),
    (rf"\$?\s*{NUM}{CUR}?\s*(?:or less|or under|max\b|tops\b|以内|以下|之内|内|左右)", "max"),
    (rf"(?:预算|不超过|不到|低于|少于|最多|最高|别超过)\s*(?:是|在|为|大概|大约)?\s*\$?\s*{NUM}{NOT_A_PRICE}"
     rf"(?:{CUR})?", "max"),
    (rf"(?:over|above|more than|at least|starting at|>=?|高于|超过|至少)\s*(?:\${NUM}|{NUM}{CUR})", "min"),
    (rf"\$?\s*{NUM}{CUR}?\s*(?:以上|or more|and up)", "min"),
    (rf"\$\s*{NUM}", "max")]

CHEAPER = re.compile(r"\b(cheaper|less expensive|lower price|more affordable|budget[- ]friendly)\b"
                     r"|便宜|实惠|价格低", re.I)
PRICIER = re.compile(r"\b(more expensive|pricier|higher[- ]end|premium|better quality)\b|贵一点|贵一些|高端|更好", re.I)
OTHERS = re.compile(r"\b(others?|another|something else|anything else|more options|show me more|different ones?|"
                    r"any more|next ones?)\b|换|别的|其他|其它|还有吗|还有别|不喜欢这", re.I)
REFINE = re.compile(r"\b(what about|how about|instead|only|those|these|them|ones?|any in|do you have (it|them|one))\b"
                    r"|^\s*(and|but|in)\b|那|呢|有没有|改成|要", re.I)
NEGATION = re.compile(r"(?:\b(?:not?|except|other than|anything but|any colou?r but|but not|avoid|without|non-?|hate)"
                      r"|n't(?:\s+(?:want|like|need))?)\s*(?:(?:an?|any|the|in|too|anything)\s+)?$"
                      r"|(?:不要|别要|不想要|除了|非|不是|别|不喜欢|不买)(?:的)?\s*$", re.I)
FILLER = set("""want need looking look show something anything some recommend recommendation suggest buy get find
good nice great best ones one maybe please thanks really new pair item items product products like would love
推荐 想 买 一个 一件 一双 一款 一些 一顶 有 什么 给 看看 找 需要 想要 哪个 好 合适 东西 款 帮 个 件 双 款式 一下 用
没有 有没有 还有 那 几个 点 一点 再 来 适合 要 能 可以 吗 呢 不要 别 除了 不想要 之间
dollars dollar usd bucks""".split())
PERSONS = re.compile(r"\b(\d|one|two|three|four|five|six)[- ]?(?:person|people|man|p)\b"
                     r"|([1-6一二两三四五六单双])\s*人", re.I)
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "单": 1, "双": 2} | CN_DIGITS

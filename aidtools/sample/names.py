"""Name material for synthetic students: surnames, given-name characters, minority names.

Every name the generator writes is a random combination of these parts, so no real person's
name is copied. Weights follow the rough frequency of common surnames; they only shape the mix.

>>> len(SURNAMES) == len(SURNAME_WEIGHTS)
True
>>> all(len(c) == 1 for c in GIVEN_MALE + GIVEN_FEMALE + GIVEN_NEUTRAL)
True
"""
from __future__ import annotations

# Common surnames, most frequent first; two-character surnames at the end.
SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武"
    "戴莫孔向汤关佟那鲍吉尚葛单"
) + ["欧阳", "司马", "上官", "诸葛", "东方"]
SURNAME_WEIGHTS = [max(1.0, 80.0 / (i + 1) ** 0.8) for i in range(len(SURNAMES) - 5)] + [0.6] * 5

# Given-name characters that lean male, lean female, or are used for both.
GIVEN_MALE = list("伟强磊军洋勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林峰博亮晨昊天成哲睿轩泽瑞航")
GIVEN_FEMALE = list("芳娜敏静丽艳娟霞燕婷雪琳颖倩晶蕾妍洁琪怡梦月欣悦萱彤瑶璐露菲薇雯婧楠佳丹萍红")
GIVEN_NEUTRAL = list("文思嘉一子晓雨春秋新志建海永佳云雅可欣家安心诗宏振国立德庆东南北晗玥铭")

# Transliterated Uyghur / Kazakh given names, combined as ``given·father`` (两部分用间隔号).
MINORITY_GIVEN_MALE = ["艾力", "买买提", "阿不都", "艾克拜尔", "吐尔逊", "努尔兰", "叶尔兰", "阿迪力",
                       "热合曼", "库尔班", "塔依尔", "伊力亚尔", "阿布拉", "麦麦提", "吾斯曼"]
MINORITY_GIVEN_FEMALE = ["古丽", "阿依古丽", "热依拉", "迪丽努尔", "帕提古丽", "米热", "阿依努尔",
                         "古再丽", "努尔古丽", "玛依拉", "阿娜尔", "祖丽胡玛"]
MINORITY_FATHER = ["吐尔逊", "买买提", "艾合买提", "阿不来提", "热合曼", "库尔班", "努尔", "玉素甫",
                   "卡德尔", "哈力克", "吾买尔", "沙吾提", "加帕尔", "阿布都"]

# Names of the people who fill in and audit data in the task table (synthetic as well).
STAFF_SURNAMES = list("王李张刘陈杨赵周孙马朱胡郭林郑")
STAFF_GIVEN = ["晓东", "丽娟", "志强", "海燕", "建国", "春梅", "立新", "秀英", "宏伟", "雪梅", "永刚", "玉兰"]

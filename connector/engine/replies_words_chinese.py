"""Chinese reply words (simplified, with common traditional forms); they match anywhere, longest first.

Chinese has no spaces, so each character is a word and a table entry matches inside a sentence: 不好 (no) is
found before 好 (yes). A negation the tables do not list, such as 不 + 确认, gives both a yes and a no word, so
the reply is unknown, never yes. A-not-A questions (好不好, 可不可以) are questions whatever the tables say.
"""

from __future__ import annotations

# TD is the unsubscribe reply Chinese carriers prescribe ("回TD退订").
STOP = {"zh": "退订, 退訂, td, 停止, 停, 取消订阅, 取消訂閱, 退出"}
HELP = {"zh": "帮助, 幫助"}
# 取消订阅 (cancel the subscription) is an opt-out; 取消预约 (cancel the booking) is a "no".
OPT_OUT = {
    "zh": "退订, 退訂, 取消订阅, 取消訂閱, 别再发, 不要再发, 别发了, 不要发了, 停止发送, 拒收, 拉黑, 别再给我发, "
    "不要再给我发, 不要再联系我, 别联系我, 别再联系我, 不要打扰, 别打扰, 勿扰, 删除我的号码"
}

YES = {
    "zh": "是, 是的, 是啊, 好, 好的, 好啊, 好呀, 好吧, 好嘞, 好滴, 可以, 可以的, 行, 行啊, 行吧, 没问题, 沒問題, 确认, "
    "確認, 已确认, 确定, 对, 對, 对的, 对啊, 当然, 當然, 当然可以, 同意, 一定, 一定到, 会去, 会来, 会到, 准时到, "
    "到时见, 到时候见, 明天见"
}
NO = {
    "zh": "不, 不是, 不要, 不行, 不可以, 没空, 沒空, 不用了, 不用, 不好, 不对, 不對, 不能, 不去, 不来, 去不了, 来不了, "
    "到不了, 来不及, 没有, 沒有, 没, 沒, 没时间, 取消, 取消预约, 算了, 不了, 对不起, 對不起, 抱歉, 不好意思, 不方便, "
    "拒绝, 别, 不需要, 不必, 不可能, 不想, 不感兴趣, 不参加, 没法, 没办法, 当然不, 不会"
}
DOUBT = {
    "zh": "退订, 也许, 也許, 可能, 或许, 大概, 应该, 说不定, 不确定, 不知道, 不清楚, 不一定, 吗, 嗎, 呢, 还是, 還是, "
    "但是, 可是, 不过, 只是, 如果, 要是, 假如, 除非, 要不, 不然, 改, 换, 替, 明天, 后天, 下周, 下次, 星期, 周末, 礼拜, "
    "周一, 周二, 周三, 周四, 周五, 周六, 周日, 今晚, 晚点, 稍后, 以后, 迟到, 等等, 一下, 再说, 再看, 再联系, 再确认, "
    "看看, 考虑, 想想, 问, 谁, 什么, 怎么, 为什么, 哪, 几点, 点, 點, 号, 多少, 打错了, 发错了, 没事, 还好, 还行, 好像, "
    "最好, 对了"
}
FILLER = {
    "zh": "谢谢, 謝謝, 多谢, 感谢, 非常感谢, 不用谢, 不客气, 你好, 您好, 大家好, 嗯, 嗯嗯, 哦, 噢, 喔, 啊, 呀, 吧, 啦, "
    "嘛, 了, 的, 我, 你, 您, 他, 她, 我们, 们, 请, 麻烦, 收到, 再见, 拜拜, 先生, 女士, 小姐, 老师, 在, 会, 去, 来, 到, "
    "就, 都, 也, 很, 和, 我是, 这是, 那是, 是我, 银行, 预约"
}

CHOICE_FILLER = {"zh": "第, 个, 個, 选, 選, 项, 項, 要, 就, 吧, 的, 那, 这, 号, 请, 我"}
ORDINALS = {
    "zh": {1: "一, 壹", 2: "二, 两, 兩, 贰", 3: "三, 叁", 4: "四, 肆", 5: "五, 伍", 6: "六, 陆", 7: "七, 柒",
           8: "八, 捌", 9: "九, 玖"},
}  # fmt: skip
NEGATORS = {"zh": "不, 不要, 别, 没, 不用"}

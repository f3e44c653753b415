//! Questions on product pages and first messages of buyer chats: written one by one, plus size
//! questions composed from the ways shoppers state their measurements.

use std::collections::HashSet;
use std::sync::LazyLock;

use super::Asks::{self, *};
use super::Goods::{self, *};
use super::{Measurements, Picker, QuestionVoice};

/// Every question and chat opener: the written ones, then the composed size questions.
pub fn questions() -> &'static [QuestionVoice] {
    &ALL
}

pub(super) static ALL: LazyLock<Vec<QuestionVoice>> = LazyLock::new(|| {
    let mut all: Vec<QuestionVoice> = WRITTEN.iter().map(Line::voice).collect();
    let mut seen: HashSet<String> = all.iter().map(|q| q.text.clone()).collect();
    compose_sizes(&mut all, &mut seen);
    all
});

struct Line {
    asks: Asks,
    goods: Goods,
    text: &'static str,
    subject: Option<&'static str>,
    measurements: Option<Measurements>,
}

const fn q(asks: Asks, goods: Goods, text: &'static str) -> Line {
    Line {
        asks,
        goods,
        text,
        subject: None,
        measurements: None,
    }
}

const NONE: Measurements = Measurements {
    height_cm: None,
    weight_kg: None,
    chest_cm: None,
    waist_cm: None,
    hips_cm: None,
    foot_mm: None,
    head_cm: None,
    usual_size: None,
};

impl Line {
    const fn only(mut self, subject: &'static str) -> Self {
        self.subject = Some(subject);
        self
    }

    const fn measured(mut self, measurements: Measurements) -> Self {
        self.measurements = Some(measurements);
        self
    }

    fn voice(&self) -> QuestionVoice {
        QuestionVoice {
            text: self.text.to_owned(),
            asks: self.asks,
            goods: self.goods,
            subject: self.subject,
            measurements: self.measurements,
        }
    }
}

const WRITTEN: &[Line] = &[
    // ---------- material ----------
    q(Material, Any, "Из чего сделан верх? В описании не нашла."),
    q(Material, Clothes, "Какой состав ткани? Есть ли синтетика?"),
    q(Material, Bags, "Подскажите, кожа натуральная или экокожа?"),
    q(Material, Outerwear, "Утеплитель какой — пух или синтепон?"),
    q(
        Material,
        Tops,
        "Это чистый хлопок или трикотаж с добавками? Важно, у ребёнка аллергия.",
    ),
    q(
        Material,
        Outerwear,
        "Подкладка из чего? Не будет потеть спина?",
    ),
    q(Material, Mugs, "Колба стальная или стеклянная?"),
    q(
        Material,
        Kettles,
        "Корпус у чайника пластиковый или металлический?",
    ),
    q(Material, Hats, "шерсть в составе есть? не колется?"),
    q(Material, Shoes, "Подошва резиновая или из ЭВА?"),
    q(
        Material,
        Tops,
        "Здравствуйте, ткань плотная? Не просвечивает?",
    ),
    q(Material, Shoes, "Внутри натуральный мех или искусственный?").only("Ботинки"),
    // ---------- care ----------
    q(Care, Clothes, "Можно ли стирать в машинке? Спасибо!"),
    q(
        Care,
        Outerwear,
        "Как правильно стирать, чтобы пух не сбился?",
    )
    .only("Пуховики"),
    q(Care, Mugs, "Можно мыть в посудомойке?"),
    q(
        Care,
        Kettles,
        "Подскажите, как чистить от накипи? Лимонной кислотой можно?",
    ),
    q(Care, Clothes, "При какой температуре стирать? Не сядет?"),
    q(Care, Tops, "Можно ли гладить утюгом или только отпаривать?"),
    q(Care, Shoes, "Как ухаживать за замшей, чтобы не испортить?").only("Ботинки"),
    q(Care, Shoes, "Кеды можно стирать в машинке?").only("Кеды"),
    q(
        Care,
        Wearables,
        "Подскажите, пожалуйста, как ухаживать за изделием?",
    ),
    q(
        Care,
        Bags,
        "Рюкзак можно стирать или только протирать влажной тряпкой?",
    )
    .only("Рюкзаки"),
    q(Care, Clothes, "сушить на батарее можно?"),
    q(
        Care,
        Hats,
        "Шапку можно стирать в машинке или только руками?",
    ),
    // ---------- country ----------
    q(Country, Any, "Где производится товар?"),
    q(Country, Any, "Страна производства какая? Китай?"),
    q(Country, Any, "Это российское производство?"),
    q(
        Country,
        Clothes,
        "Здравствуйте, а где шьёте? В карточке не указано",
    ),
    q(Country, Any, "Сделано в России или нет?"),
    q(Country, Any, "Подскажите страну изготовителя, пожалуйста."),
    q(
        Country,
        Tops,
        "Ткань турецкая? На другом сайте продавец писал, что Турция.",
    ),
    q(Country, Kettles, "Чайник китайский или чей?"),
    // ---------- colour vs photo ----------
    q(
        ColourPhoto,
        Any,
        "Здравствуйте, а цвет как на фото или темнее?",
    ),
    q(
        ColourPhoto,
        Any,
        "Цвет в жизни такой же яркий, как на фотографии?",
    ),
    q(
        ColourPhoto,
        Wearables,
        "Бежевый ближе к молочному или к песочному?",
    ),
    q(
        ColourPhoto,
        Any,
        "На фото вижу серый, а в названии графит. Какой всё-таки цвет?",
    ),
    q(
        ColourPhoto,
        Any,
        "Цвет соответствует фото? На моём экране кажется синим.",
    ),
    q(ColourPhoto, Wearables, "Оттенок розового не кислотный?"),
    q(ColourPhoto, Any, "Чёрный прямо чёрный или отдаёт в синеву?"),
    q(
        ColourPhoto,
        Any,
        "Хаки на фото выглядит зеленоватым, в реальности так же?",
    ),
    q(
        ColourPhoto,
        Any,
        "цвет как на последнем фото или как на первом? они разные",
    ),
    // ---------- gift packaging ----------
    q(
        GiftPackaging,
        Any,
        "Здравствуйте! Подойдёт ли в подарок, есть ли фирменная упаковка?",
    ),
    q(
        GiftPackaging,
        Any,
        "Товар приходит в коробке или в пакете? Хочу подарить.",
    ),
    q(GiftPackaging, Any, "Можно ли заказать подарочную упаковку?"),
    q(
        GiftPackaging,
        Any,
        "Беру в подарок — в посылке будет чек или бирка с ценой? Не хотелось бы.",
    ),
    q(
        GiftPackaging,
        Kettles,
        "Есть ли коробка у чайника? Дарить коллеге.",
    ),
    q(
        GiftPackaging,
        Mugs,
        "Кружка идёт в коробке? Нужен подарок учителю.",
    ),
    q(
        GiftPackaging,
        Any,
        "Упаковка фирменная? Не стыдно будет подарить?",
    ),
    q(
        GiftPackaging,
        Any,
        "Подарочный пакет можно добавить к заказу?",
    ),
    // ---------- how sizes run ----------
    q(
        SizeFit,
        Wearables,
        "Здравствуйте! Подскажите, пожалуйста, размер соответствует стандартному или лучше брать на размер больше?",
    ),
    q(SizeFit, Wearables, "Маломерит или в размер?"),
    q(SizeFit, Shoes, "Большемерят? В отзывах пишут по-разному."),
    q(SizeFit, Clothes, "Сетка российская или европейская?"),
    q(
        SizeFit,
        Sleeved,
        "Какая длина рукава на M? У меня длинные руки.",
    ),
    q(SizeFit, Shoes, "38 размер по стельке сколько сантиметров?"),
    q(
        SizeFit,
        Shoes,
        "Идут в размер или лучше брать на полразмера больше?",
    ),
    q(SizeFit, Hats, "Шапка безразмерная? Налезет на голову 58?").measured(Measurements {
        head_cm: Some(58),
        ..NONE
    }),
    q(SizeFit, Tops, "Крой свободный или приталенный?"),
    q(
        SizeFit,
        Clothes,
        "По росту подойдёт на 180? Не коротко будет?",
    )
    .measured(Measurements {
        height_cm: Some(180),
        ..NONE
    }),
    q(SizeFit, Shoes, "колодка широкая? у меня высокий подъём"),
    q(
        SizeFit,
        Trousers,
        "Посадка высокая или средняя? И тянутся ли?",
    ),
    // ---------- which size to take ----------
    q(
        SizeChoice,
        Wearables,
        "Добрый день! Какой размер выбрать при росте 165 см и весе 58 кг?",
    )
    .measured(Measurements {
        height_cm: Some(165),
        weight_kg: Some(58),
        ..NONE
    }),
    q(
        SizeChoice,
        Sleeved,
        "Рост 170, обхват груди 92 — какой размер взять?",
    )
    .measured(Measurements {
        height_cm: Some(170),
        chest_cm: Some(92),
        ..NONE
    }),
    q(
        SizeChoice,
        Sleeved,
        "Какой размер посоветуете: рост 182, вес 85, плечи широкие.",
    )
    .measured(Measurements {
        height_cm: Some(182),
        weight_kg: Some(85),
        ..NONE
    }),
    q(
        SizeChoice,
        Shoes,
        "Длина стопы 24,5 см, какой размер брать?",
    )
    .measured(Measurements {
        foot_mm: Some(245),
        ..NONE
    }),
    q(
        SizeChoice,
        Clothes,
        "Обычно ношу 44–46, между S и M не могу выбрать. Рост 168.",
    )
    .measured(Measurements {
        height_cm: Some(168),
        usual_size: Some("44–46"),
        ..NONE
    }),
    q(
        SizeChoice,
        Tops,
        "Помогите с размером: ОГ 96, ОТ 78, ОБ 102.",
    )
    .measured(Measurements {
        chest_cm: Some(96),
        waist_cm: Some(78),
        hips_cm: Some(102),
        ..NONE
    }),
    q(
        SizeChoice,
        Wearables,
        "Сыну 8 лет, рост 128, какой размер заказать?",
    )
    .measured(Measurements {
        height_cm: Some(128),
        ..NONE
    }),
    q(
        SizeChoice,
        Shoes,
        "у меня 40 размер ноги но стопа широкая, какой брать?",
    )
    .measured(Measurements {
        usual_size: Some("40"),
        ..NONE
    }),
    q(
        SizeChoice,
        Trousers,
        "Талия 74, бёдра 98, рост 165. Какой размер джинсов?",
    )
    .measured(Measurements {
        waist_cm: Some(74),
        hips_cm: Some(98),
        height_cm: Some(165),
        ..NONE
    }),
    q(
        SizeChoice,
        Hats,
        "Обхват головы 55, какой размер шапки подойдёт?",
    )
    .measured(Measurements {
        head_cm: Some(55),
        ..NONE
    }),
    // ---------- stock and restock ----------
    q(
        Stock,
        Any,
        "Здравствуйте! Этот товар сейчас есть в наличии?",
    ),
    q(Stock, Any, "Есть на складе? Пишет «осталось мало»."),
    q(
        Stock,
        Wearables,
        "А размер M есть в наличии или надо ждать?",
    ),
    q(
        Stock,
        Any,
        "Можно сразу три штуки заказать? Хватит на складе?",
    ),
    q(
        Restock,
        Any,
        "Скажите, пожалуйста, будет ли ещё поступление?",
    ),
    q(Restock, Wearables, "Когда будет размер L?"),
    q(Restock, Any, "Планируется поступление в чёрном цвете?"),
    q(Restock, Shoes, "39-го нет, ждать или уже не будет?"),
    q(
        Restock,
        Any,
        "Подскажите, когда пополните остатки? Хочу взять два.",
    ),
    q(
        Restock,
        Wearables,
        "А M ещё появится? Очень понравился цвет.",
    ),
    // ---------- delivery ----------
    q(DeliveryTime, Any, "Сколько идёт доставка до Екатеринбурга?"),
    q(
        DeliveryTime,
        Any,
        "Успеет прийти до пятницы, если закажу сегодня?",
    ),
    q(
        DeliveryTime,
        Any,
        "С какого склада отправка? Долго ждать в Новосибирск?",
    ),
    q(DeliveryTime, Any, "Когда отправите, если закажу сейчас?"),
    q(DeliveryTime, Any, "Какие сроки доставки в Казахстан?"),
    q(
        DeliveryTime,
        Any,
        "Доставляете в Минск? Сколько по времени?",
    ),
    q(
        DeliveryTime,
        Any,
        "Через сколько дней будет в пункте выдачи в Казани?",
    ),
    q(DeliveryTime, Any, "К Новому году успеет?"),
    q(
        DeliveryTime,
        Any,
        "быстро доставляете? нужно срочно к выходным",
    ),
    // ---------- warranty ----------
    q(Warranty, Any, "Добрый вечер! Есть ли у товара гарантия?"),
    q(Warranty, Kettles, "Какой гарантийный срок на чайник?"),
    q(
        Warranty,
        Any,
        "Если сломается через месяц, что делать? Гарантия есть?",
    ),
    q(
        Warranty,
        Kettles,
        "Гарантия от производителя или от магазина?",
    ),
    q(
        Warranty,
        Shoes,
        "Если подошва отклеится, по гарантии примете?",
    ),
    q(Warranty, Any, "Сколько месяцев гарантия и нужен ли чек?"),
    q(Warranty, Sleeved, "На молнию гарантия распространяется?"),
    q(Warranty, Kettles, "Гарантийный талон в комплекте есть?"),
    // ---------- compatibility ----------
    q(Compatibility, Bags, "Влезет ли ноутбук 15,6 дюйма?").only("Рюкзаки"),
    q(Compatibility, Mugs, "Подходит для подстаканника в машине?"),
    q(
        Compatibility,
        Kettles,
        "Подойдёт для напряжения 110 вольт? Везём в США.",
    ),
    q(
        Compatibility,
        Kettles,
        "Подставка от старого чайника этой же фирмы подойдёт?",
    ),
    q(Compatibility, Mugs, "Встанет под носик кофемашины?"),
    q(
        Compatibility,
        Shoes,
        "Ортопедическая стелька влезет внутрь?",
    ),
    q(Compatibility, Bags, "Папка А4 поместится?"),
    q(
        Compatibility,
        Mugs,
        "Крышка подходит к кружкам этого бренда на 500 мл?",
    ),
    q(
        Compatibility,
        Outerwear,
        "Под пуховик влезет толстый свитер или будет тесно в плечах?",
    )
    .only("Пуховики"),
    // ---------- the item's dimensions ----------
    q(Dimensions, Bags, "Какой объём у рюкзака в литрах?").only("Рюкзаки"),
    q(Dimensions, Clothes, "Какая длина изделия на размер M?"),
    q(
        Dimensions,
        Kettles,
        "Сколько весит чайник и какой у него объём?",
    ),
    q(Dimensions, Shoes, "Высота голенища какая?").only("Ботинки"),
    q(Dimensions, Mugs, "Объём кружки точно 500 мл?"),
    q(Dimensions, Bags, "Размеры сумки? Ширина, высота, глубина.").only("Сумки"),
    // ---------- chats: the order ----------
    q(OrderStatus, Any, "Здравствуйте! Когда отправите мой заказ?"),
    q(
        OrderStatus,
        Any,
        "Добрый день, заказ уже неделю в сборке, когда будет отправка?",
    ),
    q(
        OrderStatus,
        Any,
        "Где мой заказ? Трек не обновляется третий день.",
    ),
    q(
        OrderStatus,
        Any,
        "Здравствуйте, подскажите, заказ уже в пути?",
    ),
    q(
        OrderStatus,
        Any,
        "Мне пришло уведомление, что заказ отменён. Почему?",
    ),
    q(
        OrderStatus,
        Any,
        "Когда примерно доставят? Пишет «в пути» уже 5 дней.",
    ),
    q(
        OrderStatus,
        Any,
        "Заказ показывает, что доставлен, а я его не получала!",
    ),
    q(
        OrderStatus,
        Any,
        "добрый вечер. скажите пожалуйста когда будет заказ в пункте выдачи",
    ),
    q(
        OrderStatus,
        Any,
        "Здравствуйте! Оформила заказ вчера, вы его уже собрали?",
    ),
    q(OrderStatus, Any, "Сколько ещё ждать? Обещали вчера."),
    q(
        OrderStatus,
        Any,
        "Здравствуйте. Статус не меняется с понедельника, что-то случилось?",
    ),
    q(OrderStatus, Any, "Заказ уже в ПВЗ? Мне не пришло смс."),
    // ---------- chats: returns, exchanges, cancelling ----------
    q(
        Return,
        Wearables,
        "Добрый день! Не подошёл размер, как оформить возврат?",
    ),
    q(
        Return,
        Any,
        "Хочу вернуть товар, а в приложении кнопка неактивна. Что делать?",
    ),
    q(
        Return,
        Clothes,
        "Здравствуйте, пришёл брак — разошёлся шов. Как вернуть деньги?",
    ),
    q(Return, Wearables, "Можно вернуть, если уже сняла бирку?"),
    q(Return, Any, "Сколько дней есть на возврат?"),
    q(
        Return,
        Any,
        "Вернула товар неделю назад, а деньги так и не пришли.",
    ),
    q(Return, Any, "Как вернуть, если я живу в Казахстане?"),
    q(
        Return,
        Any,
        "Здравствуйте! Пришёл не тот цвет. Можно вернуть и заказать другой товар?",
    ),
    q(Return, Any, "Здравствуйте, а возврат платный?"),
    q(Return, Any, "Вещь не понравилась, можно сдать обратно?"),
    q(
        Exchange,
        Wearables,
        "Добрый день! Пришёл не тот размер, можно обменять?",
    ),
    q(Exchange, Clothes, "Можно поменять M на L?"),
    q(
        Exchange,
        Any,
        "Обменяйте, пожалуйста, на другой цвет. Как это сделать?",
    ),
    q(Exchange, Any, "У вас есть обмен или только возврат?"),
    q(Exchange, Shoes, "Не подошёл размер, хочу обменять на 40-й."),
    q(Cancel, Any, "Здравствуйте! Можно ли ещё отменить заказ?"),
    q(Cancel, Any, "Передумала, отмените, пожалуйста, заказ."),
    q(Cancel, Any, "Как отменить, если заказ уже собран?"),
    q(Cancel, Any, "Случайно заказала два, можно один отменить?"),
    q(
        Incomplete,
        Any,
        "Здравствуйте, в посылке не хватает одного товара.",
    ),
    q(
        Incomplete,
        Tops,
        "Пришло платье без пояса, а на фото он есть. Дошлёте?",
    )
    .only("Платья"),
    q(
        Incomplete,
        Mugs,
        "В коробке нет крышки от кружки. Что делать?",
    ),
    q(
        Incomplete,
        Any,
        "Заказывала два, а в пакете один. Где второй?",
    ),
];

/// Ways to ask which size to take; `{h}` height, `{w}` weight, `{c}` chest, `{u}` usual
/// size, `{f}` foot length in centimetres.
const SIZE_ASKS: &[(Goods, &str)] = &[
    (Clothes, "Рост {h}, вес {w}. Какой размер лучше взять?"),
    (
        Sleeved,
        "Здравствуйте! Подскажите размер: рост {h} см, обхват груди {c} см.",
    ),
    (
        Wearables,
        "При росте {h} и весе {w} кг какой размер подойдёт?",
    ),
    (Clothes, "Какой размер брать на рост {h}? Обычно ношу {u}."),
    (Shoes, "Длина стопы {f} см — какой размер выбрать?"),
    (Sleeved, "рост {h} вес {w} обхват груди {c} какой размер"),
    (
        Clothes,
        "Добрый день, у меня рост {h}, вес {w}, ношу {u}. Какой у вас мне подойдёт?",
    ),
    (
        Shoes,
        "Нога {f} см, обычно беру {u}. Какой размер заказать?",
    ),
];

/// Shoppers' measurements: height, weight, chest, usual clothing size; foot length in mm
/// and usual shoe size.
const PEOPLE: &[(u16, u16, u16, &str, u16, &str)] = &[
    (158, 50, 84, "42", 230, "36"),
    (162, 55, 88, "44", 235, "37"),
    (165, 62, 92, "46", 240, "37"),
    (168, 57, 86, "S", 245, "38"),
    (170, 68, 96, "48", 250, "39"),
    (172, 74, 100, "M", 255, "40"),
    (175, 80, 102, "50", 265, "41"),
    (178, 77, 98, "L", 270, "42"),
    (180, 88, 106, "52", 275, "43"),
    (184, 92, 110, "XL", 285, "44"),
    (160, 66, 98, "48", 238, "37"),
    (176, 64, 90, "M", 260, "41"),
];

/// Size questions with measurements, composed from [`SIZE_ASKS`] and [`PEOPLE`].
fn compose_sizes(all: &mut Vec<QuestionVoice>, seen: &mut HashSet<String>) {
    let mut pick = Picker::new(2027);
    let mut made = 0;
    let mut tries = 0;
    while made < 36 && tries < 2000 {
        tries += 1;
        let (goods, template) = SIZE_ASKS[pick.below(SIZE_ASKS.len())];
        let (h, w, c, u, f, shoe) = PEOPLE[pick.below(PEOPLE.len())];
        let foot = format!("{},{}", f / 10, f % 10);
        let foot = foot.trim_end_matches(",0").to_owned();
        let shoes = goods == Shoes;
        let text = template
            .replace("{h}", &h.to_string())
            .replace("{w}", &w.to_string())
            .replace("{c}", &c.to_string())
            .replace("{u}", if shoes { shoe } else { u })
            .replace("{f}", &foot);
        if !seen.insert(text.clone()) {
            continue;
        }
        let has = |key: &str| template.contains(key);
        let measurements = Measurements {
            height_cm: has("{h}").then_some(h),
            weight_kg: has("{w}").then_some(w),
            chest_cm: has("{c}").then_some(c),
            foot_mm: has("{f}").then_some(f),
            usual_size: has("{u}").then_some(if shoes { shoe } else { u }),
            ..NONE
        };
        all.push(QuestionVoice {
            text,
            asks: SizeChoice,
            goods,
            subject: None,
            measurements: Some(measurements),
        });
        made += 1;
    }
}
